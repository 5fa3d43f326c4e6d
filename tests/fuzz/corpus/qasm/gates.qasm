OPENQASM 2.0;
include "qelib1.inc";
qreg q[4];
creg c[4];
gate majority a,b,c { cx c,b; cx c,a; ccx a,b,c; }
gate rot(theta, phi) x { rz(phi) x; ry(theta/2) x; u3(pi/4, -phi, 0.5*theta) x; }
h q[0];
u1(pi/8) q[1];
u2(0, pi) q[2];
cu1(-pi/3) q[0], q[3];
crz(0.25) q[1], q[2];
swap q[2], q[3];
majority q[0], q[1], q[2];
rot(1.5, -2e-1) q[3];
barrier q;
rzz(pi^2/10) q[0], q[1];
reset q[1];
measure q -> c;
