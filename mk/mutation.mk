# Mutation testing (tools/mutation.py): do the tests notice a wrong line?
#   make mutation   a fixed sample of mutants of the three headers, each run
#                   against the unit suites and the examples diff; fails when a
#                   survivor is neither killed nor listed (with its reason) in
#                   tests/mutation-equivalent.txt. Not part of `make test`.
MUT_N    ?= 160
MUT_SEED ?= 1
.PHONY: mutation mutation-list
mutation:
	python3 tools/mutation.py -n $(MUT_N) --seed $(MUT_SEED) --jobs 2
mutation-list:
	python3 tools/mutation.py --list
