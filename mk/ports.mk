# The port contract (ports/README.md, issue 13 item 4): the template port
# compiles warning-free on the host (gcc and clang, as C++, with coro.h's
# default coro_port_fault), and a tiny program links with its stubs and runs
# (each port sleep ends with one tick).
#   make port-template
TEST_STEPS += port-template

.PHONY: port-template

PORT_TPL_DEPS := tests/port_template.c ports/template/coro_port.h $(HEADERS) mk/ports.mk

$(B)/ports/template-%: $(PORT_TPL_DEPS)
	@mkdir -p $(dir $@)
	$* $(WARN) -O2 -I. -Iports/template $< -o $@

port-template: $(B)/ports/template-gcc $(B)/ports/template-clang $(PORT_TPL_DEPS)
	@c++ -x c++ -Wall -Wextra -Wpedantic -Werror -Wshadow -fsyntax-only -I. -Iports/template tests/port_template.c
	@for c in gcc clang; do $$c $(WARN) -O2 -fsyntax-only -DPORT_TEMPLATE_DEFAULT_FAULT -I. -Iports/template tests/port_template.c || exit 1; done
	@pass=0; fail=0; for c in gcc clang; do \
	  if ./$(B)/ports/template-$$c >$(B)/ports/template-$$c.out; then pass=$$((pass+1)); \
	  else fail=$$((fail+1)); echo "port-template ($$c) failed:"; cat $(B)/ports/template-$$c.out; fi; done; \
	echo "port-template: $$pass passed, $$fail failed (template port on gcc and clang; C++ and the default fault compile)"; [ $$fail = 0 ]
