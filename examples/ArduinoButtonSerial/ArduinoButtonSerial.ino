// ArduinoButtonSerial: three things at once on an Arduino Uno, each a small
// coroutine, no delay() and no millis() bookkeeping anywhere:
//   blink    the LED on pin 13 blinks, slowly (500 ms) or fast (100 ms)
//   button   a push button from pin 2 to GND (INPUT_PULLUP), sampled every
//            5 ms and debounced: a new level counts once it held for 20 ms;
//            each press switches the blink speed
//   console  reads lines from Serial (115200 baud); a line that takes longer
//            than 10 s is nagged about (the part typed so far is kept)
// Try it: open the Serial Monitor (newline ending), type "hello" or "status",
// press the button.
#define CORO_MAX_TASKS 3
#define CORO_MAX_CALLBACKS 1 // the console's timeout
#define CORO_IMPLEMENTATION
#include <coro.h>
#include <string.h>

const uint8_t LED = LED_BUILTIN;
const uint8_t BUTTON = 2;

static bool fast;              // blink speed, switched by the button
static unsigned presses;

// ---- blink --------------------------------------------------------------------
struct blink { coro_frame co; coro_tick period; };
static CORO_FN(blink, struct blink, self)
{
    CORO_BEGIN(self);
    for (;;) {
        digitalWrite(LED, !digitalRead(LED));
        self->period = fast ? CORO_MS(100) : CORO_MS(500);
        CORO_SLEEP(self, self->period);
    }
    CORO_END(self);
}

// ---- button, debounced by sampling -----------------------------------------------
struct button { coro_frame co; uint8_t stable, last, same; };
static CORO_FN(button, struct button, self)
{
    CORO_BEGIN(self);
    self->stable = self->last = (uint8_t)digitalRead(BUTTON);
    for (;;) {
        CORO_SLEEP(self, CORO_MS(5));
        uint8_t level = (uint8_t)digitalRead(BUTTON);
        if (level != self->last) { // still bouncing: start counting again
            self->last = level;
            self->same = 0;
        } else if (self->same < 4) {
            self->same++;
        } else if (level != self->stable) { // held for 4 more samples (20 ms)
            self->stable = level;
            if (level == LOW) {
                presses++;
                fast = !fast;
                Serial.print(F("button: pressed, blinking "));
                Serial.println(fast ? F("fast") : F("slow"));
            }
        }
    }
    CORO_END(self);
}

// ---- Serial lines with a timeout -----------------------------------------------------
static char line[32];
static uint8_t line_len; // kept across a timeout: a slow typist loses nothing

// Reads Serial until a newline ('\r' ignored); Serial is polled every 5 ms
// (the core's receive interrupt buffers up to 64 bytes meanwhile: 5 ms at
// 115200 baud is 58).
struct readline { coro_frame co; };
static CORO_FN(readline, struct readline, self)
{
    CORO_BEGIN(self);
    for (;;) {
        while (Serial.available() > 0) {
            int c = Serial.read();
            if (c == '\n') {
                line[line_len] = 0;
                line_len = 0;
                CORO_RETURN(self, CORO_OK);
            }
            if (c != '\r' && line_len < sizeof line - 1)
                line[line_len++] = (char)c;
        }
        CORO_SLEEP(self, CORO_MS(5));
    }
    CORO_END(self);
}

struct console { coro_frame co; coro_timeout timeout; coro_status st; struct readline rl; };
static CORO_FN(console, struct console, self)
{
    CORO_BEGIN(self);
    Serial.println(F("ready: type a line, or press the button"));
    for (;;) {
        CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->timeout, CORO_S(10), CORO_AWAIT(self, readline, &self->rl)));
        if (self->st == CORO_ERR_TIMEOUT) {
            Serial.println(F("still waiting for a line..."));
        } else if (strcmp(line, "status") == 0) {
            Serial.print(F("status: "));
            Serial.print(presses);
            Serial.print(F(" presses, blinking "));
            Serial.println(fast ? F("fast") : F("slow"));
        } else {
            Serial.print(F("you typed: "));
            Serial.println(line);
        }
    }
    CORO_END(self);
}

static coro_loop loop_;
static struct blink blink_;
static struct button button_;
static struct console console_;

void setup()
{
    pinMode(LED, OUTPUT);
    pinMode(BUTTON, INPUT_PULLUP);
    Serial.begin(115200);
    coro_loop_init(&loop_);
    coro_spawn(&loop_, NULL, blink, &blink_);
    coro_spawn(&loop_, NULL, button, &button_);
    coro_spawn(&loop_, NULL, console, &console_);
}

void loop()
{
    coro_loop_run_forever(&loop_); // never returns: the tasks run forever
}
