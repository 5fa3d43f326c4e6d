"""The variational quantum eigensolver on H2 (STO-3G, 4 qubits, 0.74 A): an EfficientSU2 ansatz
trained with Adam on exact adjoint gradients, then COBYLA for comparison, against the exact
ground energy.

    /usr/bin/python3 examples/vqe_h2.py [--iterations 300]
"""
import argparse

from tangle import algo

ap = argparse.ArgumentParser()
ap.add_argument("--iterations", type=int, default=300)
args = ap.parse_args()

h = algo.h2()
exact = algo.ground_energy(h, 4)
ansatz = algo.ansatz("efficient-su2", 4, layers=3)
for optimizer in ("adam", "cobyla"):
    r = algo.vqe(ansatz, h, optimizer=optimizer, max_iterations=args.iterations, seed=3)
    print(f"{optimizer:>7}: E = {r['energy']:.6f} Ha (error {r['energy'] - exact:.2e}) after "
          f"{r['circuit_executions']} circuits")
print(f"  exact: E = {exact:.6f} Ha")
