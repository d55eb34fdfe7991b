/* memory peers: sizeof of the libev and libuv objects a user declares per
 * timer / idle callback (the watcher is the user's; libev adds a 16-byte heap
 * entry per active timer, libuv's heap node lives inside uv_timer_t).
 * usage: memory_peers */
#include <ev.h>
#include <uv.h>
#include <stdio.h>

int main(void)
{
    printf("bench=memory\nimpl=peers\n");
    printf("sizeof_ev_timer=%lu\nsizeof_ev_idle=%lu\n", (unsigned long)sizeof(ev_timer), (unsigned long)sizeof(ev_idle));
    printf("sizeof_uv_timer_t=%lu\nsizeof_uv_idle_t=%lu\nsizeof_uv_loop_t=%lu\n", (unsigned long)sizeof(uv_timer_t),
           (unsigned long)sizeof(uv_idle_t), (unsigned long)sizeof(uv_loop_t));
    return 0;
}
