# The asyncio programs kept in the project (examples/NN_name.py, 19 on; the
# earlier ones are the asyncio reference's): CPython must print exactly
# tests/expected/NN_name.out, the file make check-examples, avr, arm and
# riscv diff the C port's output with.
#   make check-examples-py   run each with python3 (3.11+) and diff
PY_EXAMPLES := $(sort $(wildcard examples/[0-9][0-9]_*.py))
TEST_STEPS  += check-examples-py

.PHONY: check-examples-py
check-examples-py:
	@mkdir -p $(B); pass=0; fail=0; for p in $(PY_EXAMPLES); do n=$$(basename $$p .py); \
	  if python3 $$p | diff -u tests/expected/$$n.out - >$(B)/$$n.py.diff; then pass=$$((pass+1)); \
	  else fail=$$((fail+1)); echo "asyncio program $$n differs:"; cat $(B)/$$n.py.diff; fi; done; \
	echo "check-examples-py: $$pass passed, $$fail failed"; [ $$fail = 0 ]
