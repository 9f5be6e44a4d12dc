"""Runs ltlf2dfa (which calls MONA) on one PPLTL formula given as argv[1].

Prints `<seconds> <states>`: the time of `to_dfa()` alone (parsing and Python start-up
excluded, to be fair to the peer) and the number of states of the DFA it returns, not
counting the `init` marker of its DOT output.
"""
import re
import sys
import time

from ltlf2dfa.parser.ppltl import PPLTLParser

formula = PPLTLParser()(sys.argv[1])
start = time.perf_counter()
dot = formula.to_dfa()
elapsed = time.perf_counter() - start
states = set()
for line in dot.splitlines():
    m = re.match(r"\s*(\d+)\s*->\s*(\d+)", line)
    if m:
        states.update(m.groups())
print(f"{elapsed:.6f} {len(states)}")
