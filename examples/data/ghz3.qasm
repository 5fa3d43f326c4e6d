// A three-qubit GHZ state with a phase. (Measurements are not part of a tangle circuit: its
// readouts say what is measured, here the probabilities of all three wires.)
OPENQASM 2.0;
include "qelib1.inc";
qreg q[3];
h q[0];
cx q[0],q[1];
cx q[1],q[2];
rz(pi/4) q[2];
barrier q;
