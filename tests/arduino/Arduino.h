/* A stand-in for the Arduino core, just enough to compile the Arduino example
 * with avr-g++ (tests only; the real sketch uses the real core). */
#ifndef ARDUINO_H_STUB
#define ARDUINO_H_STUB
#include <stdint.h>
#define HIGH 1
#define LOW 0
#define OUTPUT 1
#define LED_BUILTIN 13
class __FlashStringHelper;
#define F(s) (reinterpret_cast<const __FlashStringHelper *>(s))
unsigned long millis(void);
void pinMode(uint8_t pin, uint8_t mode);
void digitalWrite(uint8_t pin, uint8_t val);
struct HardwareSerial {
    void begin(unsigned long baud);
    void print(const __FlashStringHelper *s);
    void println(unsigned long n);
};
extern HardwareSerial Serial;
#endif
