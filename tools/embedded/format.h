/* The small printf of the emulator harnesses (tools/arm, tools/riscv): d i u
 * x X c s p f, flags - 0 +, width, precision, l ll z; board_printf and kin.
 * Included once by a harness, which supplies board_putchar(). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

int board_putchar(int c);

/* Where formatted output goes: semihosting (buf == NULL) or a string. */
static char *sink_buf;
static size_t sink_room;

static void out(int c)
{
    if (!sink_buf)
        board_putchar(c);
    else if (sink_room > 1) {
        *sink_buf++ = (char)c;
        sink_room--;
    }
}

static int put_rep(int c, int n)
{
    int k = 0;
    for (; n > 0; n--, k++)
        out(c);
    return k;
}

/* Print digits (already reversed in d[0..nd)) with sign/padding. */
static int emit(const char *pre, const char *d, int nd, int width, int left, int zero, int prec)
{
    int np = 0, k = 0, zeros, total;
    while (pre[np])
        np++;
    zeros = prec > nd ? prec - nd : 0;
    total = np + zeros + nd;
    if (!left && !zero)
        k += put_rep(' ', width - total);
    while (*pre)
        out(*pre++), k++;
    if (!left && zero)
        k += put_rep('0', width - total);
    k += put_rep('0', zeros);
    while (nd > 0)
        out(d[--nd]), k++;
    if (left)
        k += put_rep(' ', width - total);
    return k;
}

static int utoa_rev(char *d, unsigned long long v, unsigned base, int upper)
{
    int n = 0;
    do {
        unsigned r = (unsigned)(v % base);
        d[n++] = (char)(r < 10 ? '0' + r : (upper ? 'A' : 'a') + r - 10);
        v /= base;
    } while (v);
    return n;
}

int board_vprintf(const char *f, va_list ap)
{
    int k = 0;
    for (; *f; f++) {
        int left = 0, zero = 0, plus = 0, width = 0, prec = -1, lng = 0;
        char d[48];
        const char *pre = "";
        if (*f != '%') {
            out(*f);
            k++;
            continue;
        }
        for (f++;; f++) {
            if (*f == '-') left = 1;
            else if (*f == '0') zero = 1;
            else if (*f == '+') plus = 1;
            else break;
        }
        if (*f == '*') { width = va_arg(ap, int); f++; }
        while (*f >= '0' && *f <= '9') width = width * 10 + (*f++ - '0');
        if (*f == '.') {
            prec = 0;
            f++;
            if (*f == '*') { prec = va_arg(ap, int); f++; }
            while (*f >= '0' && *f <= '9') prec = prec * 10 + (*f++ - '0');
        }
        while (*f == 'l' || *f == 'z' || *f == 'h') {
            if (*f == 'l' || *f == 'z') lng++;
            f++;
        }
        switch (*f) {
        case 'd': case 'i': {
            long long v = lng >= 2 ? va_arg(ap, long long) : lng ? va_arg(ap, long) : va_arg(ap, int);
            unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
            pre = v < 0 ? "-" : plus ? "+" : "";
            k += emit(pre, d, utoa_rev(d, u, 10, 0), width, left, zero && prec < 0, prec);
            break;
        }
        case 'u': case 'x': case 'X': case 'p': {
            unsigned long long u = *f == 'p' ? (unsigned long long)(uintptr_t)va_arg(ap, void *)
                                 : lng >= 2 ? va_arg(ap, unsigned long long)
                                 : lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
            pre = *f == 'p' ? "0x" : "";
            k += emit(pre, d, utoa_rev(d, u, *f == 'u' ? 10 : 16, *f == 'X'), width, left, zero && prec < 0, prec);
            break;
        }
        case 'c':
            d[0] = (char)va_arg(ap, int);
            k += emit("", d, 1, width, left, 0, -1);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            int n = 0;
            if (!s) s = "(null)";
            while (s[n] && (prec < 0 || n < prec)) n++;
            if (!left) k += put_rep(' ', width - n);
            for (int i = 0; i < n; i++) out(s[i]);
            k += n;
            if (left) k += put_rep(' ', width - n);
            break;
        }
        case 'f': case 'F': case 'g': {
            double v = va_arg(ap, double);
            unsigned long long ip, fp, scale = 1;
            int n = 0, i;
            if (prec < 0) prec = 6;
            if (prec > 9) prec = 9;
            for (i = 0; i < prec; i++) scale *= 10;
            pre = v < 0 ? "-" : plus ? "+" : "";
            if (v < 0) v = -v;
            ip = (unsigned long long)v;
            fp = (unsigned long long)((v - (double)ip) * (double)scale + 0.5);
            if (fp >= scale) { ip++; fp -= scale; }
            for (i = 0; i < prec; i++, fp /= 10) d[n++] = (char)('0' + fp % 10);
            if (prec) d[n++] = '.';
            n += utoa_rev(d + n, ip, 10, 0);
            k += emit(pre, d, n, width, left, zero, -1);
            break;
        }
        case '%':
            out('%');
            k++;
            break;
        default:
            return -1;
        }
    }
    return k;
}

int board_vsnprintf(char *b, size_t n, const char *f, va_list ap)
{
    int k;
    sink_buf = b;
    sink_room = n;
    k = board_vprintf(f, ap);
    if (n)
        *sink_buf = 0;
    sink_buf = NULL;
    return k;
}

int board_snprintf(char *b, size_t n, const char *f, ...)
{
    va_list ap;
    int k;
    va_start(ap, f);
    k = board_vsnprintf(b, n, f, ap);
    va_end(ap);
    return k;
}

int board_sprintf(char *b, const char *f, ...)
{
    va_list ap;
    int k;
    va_start(ap, f);
    k = board_vsnprintf(b, (size_t)-1, f, ap);
    va_end(ap);
    return k;
}

int board_printf(const char *f, ...)
{
    va_list ap;
    int k;
    va_start(ap, f);
    k = board_vprintf(f, ap);
    va_end(ap);
    return k;
}
