"""Runs libsemigroups (libsemigroups_pybind11) on transformation generators given as JSON
in argv[1] (a list of image lists). Prints `<enumerate s> <size> <green s> <R> <L>`:
FroidurePin enumeration, then Konieczny's R- and L-class counts."""
import json
import sys
import time

from libsemigroups_pybind11 import FroidurePin, Konieczny, ReportGuard, Transf

ReportGuard(False)
gens = [Transf(g) for g in json.loads(sys.argv[1])]
t = time.perf_counter()
size = FroidurePin(gens).size()
t_enum = time.perf_counter() - t
t = time.perf_counter()
k = Konieczny(gens)
r, l = k.number_of_R_classes(), k.number_of_L_classes()
t_green = time.perf_counter() - t
print(f"{t_enum:.6f} {size} {t_green:.6f} {r} {l}")
