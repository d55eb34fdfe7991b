# Knobs of issue 11: unit macros (item 15) and the generation width (item 9).
#   make units   CORO_S/CORO_MS of a constant that does not fit: gcc, clang,
#                g++ and clang++ must refuse it; in-range constants and run-time
#                arguments must compile warning-free (at -O0 and -O2)
#   make gen8    the core suite again with 8-bit generations (the AVR default)
TEST_STEPS += units gen8

.PHONY: units gen8

# Each case: tick bits : expected (ok | bad) : the expression.
UNITS_CASES := \
  16:bad:CORO_S(70) 16:bad:CORO_MS(70000) 16:bad:CORO_MS(32768) 16:bad:CORO_S(-1) \
  16:ok:CORO_S(32) 16:ok:CORO_MS(32767) 16:ok:CORO_MS(0) \
  32:bad:CORO_S(5000000) 32:bad:CORO_S(2147484) 32:bad:CORO_MS(2147483648) 32:bad:CORO_MS(-1) \
  32:ok:CORO_S(2147483) 32:ok:CORO_MS(2147483647) \
  64:bad:CORO_S(9223372036854776) 64:ok:CORO_S(9223372036854775)
units: $(HEADERS) mk/units.mk
	@mkdir -p $(B)/units; pass=0; fail=0; \
	for c in $(foreach c,$(UNITS_CASES),'$(c)'); do bits=$${c%%:*}; rest=$${c#*:}; want=$${rest%%:*}; expr=$${rest#*:}; \
	  printf '#define CORO_IMPLEMENTATION\n#include "coro.h"\nstruct f { coro_frame co; int ms; };\nstatic CORO_FN(fn, struct f, self)\n{\n    CORO_BEGIN(self);\n    CORO_SLEEP(self, CORO_MS(self->ms));\n    CORO_SLEEP(self, CORO_S(self->ms + 1));\n    CORO_SLEEP(self, %s);\n    CORO_END(self);\n}\nint main(void) { static struct f f; return coro_run(fn, &f); }\n' "$$expr" > $(B)/units/u.c; \
	  for cc in gcc clang g++ clang++; do for o in -O0 -O2; do \
	    case $$cc in *++) std="-x c++"; msg='negative';; *) std="-std=c99"; msg="$${expr%%(*}_argument_out_of_range";; esac; \
	    if $$cc $$std -Wall -Wextra -Wpedantic -Werror -Wshadow $$o $(CPPFLAGS) $(VIRTUAL) -DCORO_TICK_BITS=$$bits \
	        -fsyntax-only $(B)/units/u.c >$(B)/units/log 2>&1; then got=ok; else got=bad; fi; \
	    if [ $$got = $$want ] && { [ $$want = ok ] || grep -q "$$msg" $(B)/units/log; }; then pass=$$((pass+1)); \
	    else fail=$$((fail+1)); echo "units: $$cc $$o ticks=$$bits $$expr: expected $$want, got $$got"; cat $(B)/units/log | head -5; fi; \
	  done; done; done; \
	echo "units: $$pass passed, $$fail failed"; [ $$fail = 0 ]

gen8: $(CORE_TEST_SRC) tests/core_common.h $(HEADERS)
	@mkdir -p $(B)/tests
	for t in $(CORE_TEST_SRC:tests/%.c=%); do $(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(VIRTUAL) -DCORO_GEN_BITS=8 tests/$$t.c -o $(B)/tests/$$t.gen8 $(CRITERION) && \
	  ./$(B)/tests/$$t.gen8 --jobs 2 || exit 1; done
