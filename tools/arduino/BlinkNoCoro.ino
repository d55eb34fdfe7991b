// ArduinoBlink without coro, the classic "BlinkWithoutDelay" way: the same LED
// and heartbeat, timed by hand with millis(). Built by mk/targets.mk only for
// `make size`, as the baseline that shows what coro itself adds to a sketch.
static unsigned long last_blink, last_beat, n;
static bool beat_due = true;

void setup()
{
    pinMode(LED_BUILTIN, OUTPUT);
    Serial.begin(9600);
}

void loop()
{
    unsigned long now = millis();
    if (now - last_blink >= 500) {
        last_blink += 500;
        digitalWrite(LED_BUILTIN, !digitalRead(LED_BUILTIN));
    }
    if (beat_due || now - last_beat >= 3000) {
        if (!beat_due)
            last_beat += 3000;
        beat_due = false;
        Serial.print(F("heartbeat "));
        Serial.println(n++);
    }
}
