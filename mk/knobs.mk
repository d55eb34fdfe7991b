# The table of compile-time knobs (issue 13): README's table is generated from
# the CONFIGURATION sections of the headers' guides by tools/knobs.py.
#   make knobs        regenerate the table between README's knobs markers
#   make knobs-check  (in `make test`) fails if README's table is out of date,
#                     or if a header has an #ifndef CORO_X default that no
#                     CONFIGURATION section lists
TEST_STEPS += knobs-check

.PHONY: knobs knobs-check

knobs:
	python3 tools/knobs.py --write README.md $(HEADERS)

knobs-check:
	@python3 tools/knobs.py --check README.md $(HEADERS) && echo "knobs: README's table is current, every knob is documented"
