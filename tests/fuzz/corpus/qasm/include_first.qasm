include "qelib1.inc";
OPENQASM 2.0;
// a comment
qreg a[2]; qreg b[1];
creg m[2];
x a[0]; cx a[0], b[0]; ch a[1], b[0]; cswap a[0], a[1], b[0];
sdg a[1]; tdg b[0]; id a[0];
measure a[0] -> m[1];
measure b[0] -> m[0];
