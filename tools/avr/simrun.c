/* simrun - run an ATmega328P firmware under libsimavr, for tests.
 *
 *   simrun [-l cycles] [-T ms] [-s] [-p PIN]... [-i PIN=L@ms]... [-u ms:text]... [-e PIN:ms:period:count] [-P prof] fw.elf
 *
 * - UART0 bytes go to stdout raw (no colour, no line mangling).
 * - A write to GPIOR1 (0x4A) ends the run: the written byte is the exit status.
 * - A write to GPIOR2 (0x4B) prints "[cycles V T B]": the value written, the
 *   exact cycles since the previous stamp (or the start) and how many of them
 *   the CPU was awake (not in sleep mode).
 * - -p B5 prints "[pin B5 L C]" on every change of that pin: new level L and
 *   the cycles since the previous change of any watched pin.
 * - -s prints "[stack N]" on stderr at exit: the peak stack in bytes, from the
 *   0xA5 paint that tools/avr/harness.c lays between .bss and the stack.
 * - -i D2=0@1200.5 drives input pin PD2 low at 1200.5 ms (16,000 cycles per ms).
 * - -u 2000:text feeds the text (\n, \r escapes) into USART0's receiver from
 *   2000 ms on, one byte every 2,000 cycles (125 us).
 * - -e D2:ms:period:count toggles input pin PD2 `count` times, every `period`
 *   cycles from `ms` on (a sweep of phases against the firmware's own timing).
 * - -P file writes a profile: cycles spent at each program address between
 *   the stamps with values 1 and 2 ("addr cycles" lines; map them to
 *   functions with avr-nm -n).
 * - -T 5000 ends the run with status 0 at 5000 ms (80,000,000 cycles): for
 *   firmware that runs forever, such as an Arduino sketch. It then prints
 *   "[asleep S of C cycles]" on stderr: how long the CPU slept in all.
 * - Past the cycle limit (default 2e9, about 2 simulated minutes) exit 124;
 *   firmware that halts without writing GPIOR1 (cli + sleep, a crash) exits 125.
 * simavr's sleep callback only counts the cycles slept: no wall time passes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sim_avr.h>
#include <sim_elf.h>
#include <sim_io.h>
#include <sim_irq.h>
#include <sim_cycle_timers.h>
#include <avr_uart.h>
#include <avr_ioport.h>

#define GPIOR1 0x4A
#define GPIOR2 0x4B

static int exit_status = -1;
static const char *profile_file;
static int profiling;
static unsigned long long profile[32768];
static avr_cycle_count_t last_stamp, sleep_cycles, last_pin, total_sleep;

/* simavr's own messages go to stderr: warnings and errors only. */
static void logger(avr_t *avr, const int level, const char *fmt, va_list ap)
{
    (void)avr;
    if (level <= LOG_WARNING)
        vfprintf(stderr, fmt, ap);
}

/* Called when the core sleeps; it then adds 1 + how_long to avr->cycle. */
static void no_sleep(avr_t *avr, avr_cycle_count_t how_long)
{
    (void)avr;
    sleep_cycles += 1 + how_long;
    total_sleep += 1 + how_long;
}

static void uart_out(struct avr_irq_t *irq, uint32_t value, void *param)
{
    (void)irq;
    (void)param;
    putchar((int)(value & 0xFF));
}

static void exit_write(avr_t *avr, avr_io_addr_t addr, uint8_t v, void *param)
{
    (void)param;
    avr->data[addr] = v;
    exit_status = v;
}

static void stamp_write(avr_t *avr, avr_io_addr_t addr, uint8_t v, void *param)
{
    avr_cycle_count_t d = avr->cycle - last_stamp;
    (void)param;
    avr->data[addr] = v;
    profiling = v == 1;
    printf("[cycles %u %llu %llu]\n", v, (unsigned long long)d, (unsigned long long)(d - sleep_cycles));
    last_stamp = avr->cycle;
    sleep_cycles = 0;
}

static avr_t *the_avr;

/* Scheduled inputs: pin levels and UART text. */
struct input { char port; int bit, level; avr_cycle_count_t at; const char *text; long period, count; };
static struct input inputs[64];
static int ninputs;

static avr_cycle_count_t ms_to_cycles(const char *s) { return (avr_cycle_count_t)(strtod(s, NULL) * 16000.0 + 0.5); }

static avr_cycle_count_t pin_input(avr_t *avr, avr_cycle_count_t when, void *param)
{
    struct input *in = (struct input *)param;
    (void)when;
    avr_raise_irq(avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ(in->port), in->bit), (uint32_t)in->level);
    return 0;
}

static avr_cycle_count_t pin_toggler(avr_t *avr, avr_cycle_count_t when, void *param)
{
    struct input *in = (struct input *)param;
    in->level ^= 1;
    avr_raise_irq(avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ(in->port), in->bit), (uint32_t)in->level);
    return --in->count > 0 ? when + (avr_cycle_count_t)in->period : 0;
}

static avr_cycle_count_t uart_input(avr_t *avr, avr_cycle_count_t when, void *param)
{
    struct input *in = (struct input *)param;
    int c = (unsigned char)*in->text++;
    if (c == '\\' && (*in->text == 'n' || *in->text == 'r'))
        c = *in->text++ == 'n' ? '\n' : '\r';
    avr_raise_irq(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_INPUT), (uint32_t)c);
    return *in->text ? when + 2000 : 0;
}
static int stack_report;

/* Peak stack: the painted run ends where the deepest stack frame reached. */
static void report_stack(avr_t *avr)
{
    unsigned a = 0x100, end = 0x900;
    while (a + 8 <= end && memcmp(avr->data + a, "\xA5\xA5\xA5\xA5\xA5\xA5\xA5\xA5", 8))
        a++;
    while (a < end && avr->data[a] == 0xA5)
        a++;
    fprintf(stderr, "[stack %u]\n", end - a);
}

static void pin_notify(struct avr_irq_t *irq, uint32_t value, void *param)
{
    (void)irq;
    printf("[pin %s %u %llu]\n", (const char *)param, value & 1u, (unsigned long long)(the_avr->cycle - last_pin));
    last_pin = the_avr->cycle;
}

int main(int argc, char **argv)
{
    elf_firmware_t fw;
    avr_cycle_count_t limit = 2000000000ull, stop_at = 0;
    const char *pins[8];
    int npins = 0, i;
    uint32_t flags = 0;
    avr_t *avr;
    while (argc > 2 && argv[1][0] == '-') {
        if (!strcmp(argv[1], "-s")) {
            stack_report = 1;
            argc -= 1;
            argv += 1;
            continue;
        }
        if (!strcmp(argv[1], "-i") && ninputs < 64 && strchr(argv[2], '=') && strchr(argv[2], '@')) {
            struct input *in = &inputs[ninputs++];
            in->port = argv[2][0];
            in->bit = argv[2][1] - '0';
            in->level = strchr(argv[2], '=')[1] - '0';
            in->at = ms_to_cycles(strchr(argv[2], '@') + 1);
        } else if (!strcmp(argv[1], "-e") && ninputs < 64 && strlen(argv[2]) > 3) {
            struct input *in = &inputs[ninputs++];
            char *p = argv[2] + 3;
            in->port = argv[2][0];
            in->bit = argv[2][1] - '0';
            in->level = 0; /* simavr pins start low: the first toggle is a rising edge */
            in->at = ms_to_cycles(p);
            p = strchr(p, ':');
            in->period = p ? strtol(p + 1, &p, 0) : 0;
            in->count = p && *p == ':' ? strtol(p + 1, NULL, 0) : 0;
            if (in->period <= 0 || in->count <= 0) {
                fprintf(stderr, "simrun: -e PIN:ms:period:count\n");
                return 2;
            }
        } else if (!strcmp(argv[1], "-u") && ninputs < 64 && strchr(argv[2], ':')) {
            struct input *in = &inputs[ninputs++];
            in->at = ms_to_cycles(argv[2]);
            in->text = strchr(argv[2], ':') + 1;
        } else if (!strcmp(argv[1], "-P"))
            profile_file = argv[2];
        else if (!strcmp(argv[1], "-T"))
            stop_at = ms_to_cycles(argv[2]);
        else if (!strcmp(argv[1], "-l"))
            limit = strtoull(argv[2], NULL, 0);
        else if (!strcmp(argv[1], "-p") && npins < 8)
            pins[npins++] = argv[2];
        else
            break;
        argc -= 2;
        argv += 2;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: simrun [-l cycle_limit] [-T ms] [-s] [-p B5]... [-i D2=0@1200] [-u 2000:text] [-e D2:ms:period:count] [-P prof] fw.elf\n");
        return 2;
    }
    avr_global_logger_set(logger);
    memset(&fw, 0, sizeof fw);
    if (elf_read_firmware(argv[1], &fw)) {
        fprintf(stderr, "simrun: cannot read %s\n", argv[1]);
        return 2;
    }
    avr = avr_make_mcu_by_name("atmega328p");
    if (!avr) {
        fprintf(stderr, "simrun: no atmega328p core\n");
        return 2;
    }
    the_avr = avr;
    avr_init(avr);
    avr->log = LOG_ERROR;
    avr->frequency = 16000000;
    avr->sleep = no_sleep;
    avr_load_firmware(avr, &fw);

    avr_ioctl(avr, AVR_IOCTL_UART_GET_FLAGS('0'), &flags);
    flags &= ~(uint32_t)AVR_UART_FLAG_STDIO;
    avr_ioctl(avr, AVR_IOCTL_UART_SET_FLAGS('0'), &flags);
    avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUTPUT), uart_out, NULL);
    avr_register_io_write(avr, GPIOR1, exit_write, NULL);
    avr_register_io_write(avr, GPIOR2, stamp_write, NULL);
    for (i = 0; i < npins; i++) {
        char port = pins[i][0];
        int bit = pins[i][1] - '0';
        avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ(port), bit), pin_notify, (void *)pins[i]);
    }

    for (i = 0; i < ninputs; i++)
        avr_cycle_timer_register(avr, inputs[i].at ? inputs[i].at : 1,
                                 inputs[i].text ? uart_input : inputs[i].period ? pin_toggler : pin_input, &inputs[i]);

    for (;;) {
        avr_flashaddr_t pc = avr->pc;
        avr_cycle_count_t c0 = avr->cycle;
        int state = avr_run(avr); /* one instruction (or one sleep) */
        if (profiling && pc < 2 * 32768u)
            profile[pc / 2] += avr->cycle - c0;
        if (exit_status >= 0)
            break;
        if (stop_at && avr->cycle >= stop_at) {
            fprintf(stderr, "[asleep %llu of %llu cycles]\n", (unsigned long long)total_sleep, (unsigned long long)avr->cycle);
            exit_status = 0;
            break;
        }
        if (state == cpu_Done || state == cpu_Crashed) {
            fflush(stdout);
            fprintf(stderr, "simrun: firmware halted without an exit status (state %d) at cycle %llu\n", state,
                    (unsigned long long)avr->cycle);
            return 125;
        }
        if (avr->cycle > limit) {
            fflush(stdout);
            fprintf(stderr, "simrun: cycle limit %llu reached\n", (unsigned long long)limit);
            return 124;
        }
    }
    fflush(stdout);
    if (profile_file) {
        FILE *f = fopen(profile_file, "w");
        for (i = 0; f && i < 32768; i++)
            if (profile[i])
                fprintf(f, "%x %llu\n", 2 * i, profile[i]);
        if (f)
            fclose(f);
    }
    if (stack_report)
        report_stack(avr);
    if (getenv("SIMRUN_VERBOSE"))
        fprintf(stderr, "simrun: exit %d at cycle %llu\n", exit_status, (unsigned long long)avr->cycle);
    return exit_status;
}
