# The Arduino sketches (issue 16) against the real Arduino AVR core (Debian's
# arduino-core-avr), built for an Uno with the flags of the core's platform.txt
# by plain make rules (no IDE, no arduino-mk), then run under tools/avr/simrun.
#   make arduino   build the core and every examples/Arduino*/ sketch, run
#                  them under simavr (tools/embedded/check_arduino.sh: Serial
#                  output diffed with tests/expected/arduino/, LED periods in cycles)
DEB_PKGS   += arduino-core-avr
TEST_STEPS += arduino

.PHONY: arduino arduino-build

# (this file is read before mk/embedded.mk, whose rule builds the runner)
ARD_SIMRUN  := $(B)/avr/simrun
ARDUINO_DIR ?= /usr/share/arduino/hardware/arduino/avr
ARD_CORE    := $(ARDUINO_DIR)/cores/arduino
# The Uno (boards.txt: uno.build.*); ARDUINO is the IDE version (Debian's 1.8.19)
ARD_DEFS    := -mmcu=atmega328p -DF_CPU=16000000L -DARDUINO=10819 -DARDUINO_AVR_UNO -DARDUINO_ARCH_AVR
ARD_INC     := -I$(ARD_CORE) -I$(ARDUINO_DIR)/variants/standard
# platform.txt's compiler.{c,cpp,S}.flags (warnings off for the core, as the IDE does)
ARD_CFLAGS  := -g -Os -w -std=gnu11 -ffunction-sections -fdata-sections -flto -fno-fat-lto-objects
ARD_CXXFLAGS := -g -Os -std=gnu++11 -fpermissive -fno-exceptions -ffunction-sections -fdata-sections \
                -fno-threadsafe-statics -Wno-error=narrowing -flto
ARD_SFLAGS  := -g -x assembler-with-cpp -flto
# The sketches: warning-free (-isystem would not do for the core: avr-gcc wraps
# system headers in extern "C", which breaks Arduino.h's C++ overloads)
ARD_SKETCH_FLAGS := $(ARD_CXXFLAGS) -Wall -Wextra -Werror $(ARD_INC)
ARD_LINK    := avr-gcc -w -Os -g -flto -fuse-linker-plugin -Wl,--gc-sections -mmcu=atmega328p

ARD_CORE_OBJ := $(patsubst $(ARD_CORE)/%,$(B)/arduino/core/%.o,$(wildcard $(ARD_CORE)/*.c $(ARD_CORE)/*.cpp $(ARD_CORE)/*.S))
ARD_SKETCHES := $(patsubst examples/%/,%,$(sort $(dir $(wildcard examples/Arduino*/*.ino))))
ARD_ELFS     := $(patsubst %,$(B)/arduino/%.elf,$(ARD_SKETCHES)) $(B)/arduino/Empty.elf $(B)/arduino/BlinkNoCoro.elf

$(B)/arduino/core/%.c.o: $(ARD_CORE)/%.c mk/arduino.mk
	@mkdir -p $(dir $@)
	avr-gcc $(ARD_CFLAGS) $(ARD_DEFS) $(ARD_INC) -c $< -o $@
# avr-gcc 5.4's float.h gives C++ no DECIMAL_DIG (WString.cpp wants it; the
# IDE's own avr-gcc 7.3 has it): the compiler's predefined value stands in.
$(B)/arduino/core/%.cpp.o: $(ARD_CORE)/%.cpp mk/arduino.mk
	@mkdir -p $(dir $@)
	avr-g++ $(ARD_CXXFLAGS) -w -DDECIMAL_DIG=__DECIMAL_DIG__ $(ARD_DEFS) $(ARD_INC) -c $< -o $@
$(B)/arduino/core/%.S.o: $(ARD_CORE)/%.S mk/arduino.mk
	@mkdir -p $(dir $@)
	avr-gcc $(ARD_SFLAGS) $(ARD_DEFS) $(ARD_INC) -c $< -o $@
$(B)/arduino/core.a: $(ARD_CORE_OBJ)
	@rm -f $@
	avr-gcc-ar rcs $@ $^

# A sketch as the IDE builds it: the .ino is C++ with Arduino.h included first
# (our sketches declare what they use, so no prototypes need generating), the
# library's folder (this one) on the include path.
define ARD_SKETCH_RULE
$(B)/arduino/$(1).elf: examples/$(1)/$(1).ino $(B)/arduino/core.a ports/arduino/coro_port.h $(HEADERS) mk/arduino.mk
	@mkdir -p $$(dir $$@)
	avr-g++ $(ARD_SKETCH_FLAGS) $(ARD_DEFS) -I. -x c++ -include Arduino.h -c $$< -o $(B)/arduino/$(1).o
	$(ARD_LINK) $(B)/arduino/$(1).o $(B)/arduino/core.a -lm -o $$@
endef
$(foreach s,$(ARD_SKETCHES),$(eval $(call ARD_SKETCH_RULE,$(s))))

# For make size: the core alone (an empty sketch), and ArduinoBlink without
# coro (tools/arduino/BlinkNoCoro.ino, timed by hand with millis()).
$(B)/arduino/Empty.elf: $(B)/arduino/core.a
	@mkdir -p $(dir $@)
	printf 'void setup() {}\nvoid loop() {}\n' > $(B)/arduino/Empty.cpp
	avr-g++ $(ARD_SKETCH_FLAGS) $(ARD_DEFS) -include Arduino.h -c $(B)/arduino/Empty.cpp -o $(B)/arduino/Empty.o
	$(ARD_LINK) $(B)/arduino/Empty.o $(B)/arduino/core.a -lm -o $@
$(B)/arduino/BlinkNoCoro.elf: tools/arduino/BlinkNoCoro.ino $(B)/arduino/core.a
	@mkdir -p $(dir $@)
	avr-g++ $(ARD_SKETCH_FLAGS) $(ARD_DEFS) -x c++ -include Arduino.h -c $< -o $(B)/arduino/BlinkNoCoro.o
	$(ARD_LINK) $(B)/arduino/BlinkNoCoro.o $(B)/arduino/core.a -lm -o $@

arduino-build: $(ARD_SIMRUN) $(ARD_ELFS)
size: arduino-build

arduino: arduino-build
	@sh tools/embedded/check_arduino.sh $(ARD_SIMRUN) $(B)/arduino $(ARD_SKETCHES)
