// ArduinoBlink: two coroutines on an Arduino Uno, no delay() anywhere.
// The LED blinks at 1 Hz while a second task prints a heartbeat every 3 s.
// coro.h picks its Arduino port by itself: millis() is the clock, and the CPU
// sleeps (idle mode) whenever neither task has anything to do.
#define CORO_MAX_TASKS 2
#define CORO_MAX_CALLBACKS 0
#define CORO_IMPLEMENTATION
#include <coro.h>

struct blink { coro_frame co; };
static CORO_FN(blink, struct blink, self)
{
    CORO_BEGIN(self);
    for (;;) {
        digitalWrite(LED_BUILTIN, HIGH);
        CORO_SLEEP(self, CORO_MS(500));
        digitalWrite(LED_BUILTIN, LOW);
        CORO_SLEEP(self, CORO_MS(500));
    }
    CORO_END(self);
}

struct heartbeat { coro_frame co; unsigned long n; };
static CORO_FN(heartbeat, struct heartbeat, self)
{
    CORO_BEGIN(self);
    for (self->n = 0;; self->n++) {
        Serial.print(F("heartbeat "));
        Serial.println(self->n);
        CORO_SLEEP(self, CORO_S(3));
    }
    CORO_END(self);
}

static coro_loop loop_;
static struct blink blink_;
static struct heartbeat heartbeat_;

void setup()
{
    pinMode(LED_BUILTIN, OUTPUT);
    Serial.begin(9600);
    coro_loop_init(&loop_);
    coro_spawn(&loop_, NULL, blink, &blink_);
    coro_spawn(&loop_, NULL, heartbeat, &heartbeat_);
}

void loop()
{
    coro_loop_run_forever(&loop_); // never returns: both tasks run forever
}
