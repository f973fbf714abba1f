/* The load of the forwarding benchmark, and its N sinks, in one process (pin it to the core the forwarder does
 * not use). One thread sends SRTP video-like packets (VP8 keyframe start, mid header extension, ~1200 bytes on
 * the wire) to the forwarder as fast as it can, or at --rate packets per second; one thread receives at N sink
 * sockets and counts. The forwarder's packets out are what reached the sinks, plus what the sinks' own socket
 * queues dropped (/proc/net/udp), in the measured window after a warm-up.
 *
 * With --ring the sender protects 65536 packets once and sends them in a loop (their replays are refused by an
 * SRTP receiver, so only for a forwarder that does no crypto: the C relay); otherwise it protects each packet as
 * it sends it. With --verify-key each sink unprotects one packet in 64 with that key (what the bridge protects
 * with) and counts the failures. With --sink-poll-us the sinks read on a timer instead of waiting on their
 * sockets, so that waking them is no part of the forwarder's cost.
 *
 *   loadgen --target PORT --source-port PORT --sink-port FIRST --sinks N --profile gcm|cm --key HEX
 *           [--verify-key HEX] [--ring] [--rate PPS] [--size BYTES] [--warmup S] [--duration S] [--pid PID]
 *           [--sink-poll-us US]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <srtp2/srtp.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srtp_cipher.h"
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum { BATCH = 32, SLOT = 2048, MAX_SINKS = 16, RING = 65536, VERIFY_EVERY = 64 };
static const uint32_t SOURCE_SSRC = 0x5EED0001;

static struct {
    int target, source_port, sink_port, sinks, ring, size, pid, sink_poll_us;
    double rate, warmup, duration;
    int gcm;
    unsigned char key[30], verify_key[30], session_key[16], session_salt[12];
    int key_len, verify_len, session_key_len, session_salt_len;
} opt = {.sinks = 1, .size = 1200, .warmup = 2, .duration = 5, .gcm = 1};

static atomic_int stop;
static atomic_ullong sent_total;
static atomic_ullong received[MAX_SINKS];
static atomic_ullong verified, verify_failed;

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static int hex(const char *text, unsigned char *out, int capacity) {
    int n = 0;
    for (; text[0] && text[1] && n < capacity; text += 2) sscanf(text, "%2hhx", &out[n++]);
    return n;
}

static srtp_t context(const unsigned char *key, srtp_ssrc_type_t type) {
    srtp_policy_t policy;
    memset(&policy, 0, sizeof policy);
    if (opt.gcm) {
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
    } else {
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
    }
    policy.ssrc.type = type;
    policy.key = (unsigned char *)key;
    policy.window_size = 1024;
    srtp_t session;
    if (srtp_create(&session, &policy) != srtp_err_status_ok) {
        fprintf(stderr, "srtp_create failed\n");
        exit(1);
    }
    return session;
}

static int udp_socket(int port) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    int size = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    struct sockaddr_in local = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &local.sin_addr);
    if (bind(fd, (struct sockaddr *)&local, sizeof local) != 0) {
        fprintf(stderr, "bind %d: %s\n", port, strerror(errno));
        exit(1);
    }
    return fd;
}

/* RTP (RFC 3550) with a one-byte header extension (RFC 8285) carrying a mid, then a VP8 payload descriptor
 * (RFC 7741, S=1, PID=0) and a keyframe's frame tag and start code, padded to the packet size. */
static int build(unsigned char *p, uint64_t index, int tag) {
    int length = opt.size - tag;
    uint16_t seq = (uint16_t)index;
    uint32_t ts = (uint32_t)(index / 10 * 3000);
    p[0] = 0x90;
    p[1] = 96;
    uint32_t words[2] = {ts, SOURCE_SSRC};
    p[2] = (unsigned char)(seq >> 8), p[3] = (unsigned char)seq;
    for (int w = 0; w < 2; w++)
        for (int b = 0; b < 4; b++) p[4 + 4 * w + b] = (unsigned char)(words[w] >> (24 - 8 * b));
    p[12] = 0xBE, p[13] = 0xDE, p[14] = 0, p[15] = 1;
    p[16] = 0x10, p[17] = 'v', p[18] = 0, p[19] = 0;
    p[20] = 0x10;
    p[21] = 0x50, p[22] = 0x2A, p[23] = 0x01, p[24] = 0x9D, p[25] = 0x01, p[26] = 0x2A;
    for (int i = 27; i < length; i++) p[i] = (unsigned char)(i * 7 + index);
    return length;
}

/* AES-128-GCM SRTP (RFC 7714 section 8) with the session key and salt given on the command line, through the bridge's
 * AES-NI code (CSRTPCipher): libsrtp2 on Debian (NSS) takes about 1.6 us per packet, enough to make this core, not
 * the forwarder, the limit. The sinks still check the forwarder's output with libsrtp2. */
static clue_srtp_aes *fast_gcm;

static int fast_protect(unsigned char *p, int length, uint64_t index) {
    const int header = 20; /* build(): fixed header and a one-word extension */
    unsigned char iv[12] = {0};
    memcpy(iv + 2, p + 8, 4);
    uint32_t roc = (uint32_t)(index >> 16);
    for (int b = 0; b < 4; b++) iv[6 + b] = (unsigned char)(roc >> (24 - 8 * b));
    iv[10] = p[2], iv[11] = p[3];
    for (int i = 0; i < 12; i++) iv[i] ^= opt.session_salt[i];
    if (clue_srtp_gcm_seal(fast_gcm, iv, p, header, NULL, 0, p + header, p + header, (size_t)(length - header),
                           p + length, 16) != 0) {
        fprintf(stderr, "seal failed\n");
        exit(1);
    }
    return length + 16;
}

static void *sender(void *unused) {
    (void)unused;
    /* The sinks come first on the shared core: a starved sink would undercount the forwarder. */
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
    int fd = udp_socket(opt.source_port);
    struct sockaddr_in target = {.sin_family = AF_INET, .sin_port = htons(opt.target)};
    inet_pton(AF_INET, "127.0.0.1", &target.sin_addr);
    int tag = opt.gcm ? 16 : 10;
    srtp_t srtp = context(opt.key, ssrc_any_outbound);
    static unsigned char slots[BATCH][SLOT];
    unsigned char *ring = NULL;
    int ring_length = 0;
    if (opt.ring) {
        ring = malloc((size_t)RING * SLOT);
        for (uint64_t i = 0; i < RING; i++) {
            int length = build(ring + i * SLOT, i, tag);
            srtp_protect(srtp, ring + i * SLOT, &length);
            ring_length = length;
        }
    }
    struct iovec iov[BATCH];
    struct mmsghdr msgs[BATCH];
    double start = now_seconds();
    uint64_t index = 0;
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        if (opt.rate > 0) {
            double due = start + index / opt.rate;
            double wait = due - now_seconds();
            if (wait > 0) {
                struct timespec t = {.tv_sec = (time_t)wait, .tv_nsec = (long)((wait - (time_t)wait) * 1e9)};
                nanosleep(&t, NULL);
            }
        }
        for (int i = 0; i < BATCH; i++, index++) {
            unsigned char *p;
            int length;
            if (ring) {
                p = ring + (index % RING) * SLOT;
                length = ring_length;
            } else {
                p = slots[i];
                length = build(p, index, tag);
                if (fast_gcm)
                    length = fast_protect(p, length, index);
                else
                    srtp_protect(srtp, p, &length);
            }
            iov[i] = (struct iovec){.iov_base = p, .iov_len = (size_t)length};
            msgs[i].msg_hdr = (struct msghdr){.msg_name = &target, .msg_namelen = sizeof target,
                                              .msg_iov = &iov[i], .msg_iovlen = 1};
        }
        int done = 0;
        while (done < BATCH) {
            int n = sendmmsg(fd, msgs + done, BATCH - done, 0);
            if (n <= 0) break;
            done += n;
        }
        atomic_fetch_add_explicit(&sent_total, (unsigned long long)done, memory_order_relaxed);
    }
    return NULL;
}

static int sink_fd[MAX_SINKS];

static void *sinks(void *unused) {
    (void)unused;
    int epoll = epoll_create1(0);
    srtp_t verify[MAX_SINKS] = {0};
    for (int s = 0; s < opt.sinks; s++) {
        struct epoll_event event = {.events = EPOLLIN, .data.u32 = (uint32_t)s};
        epoll_ctl(epoll, EPOLL_CTL_ADD, sink_fd[s], &event);
        if (opt.verify_len) verify[s] = context(opt.verify_key, ssrc_any_inbound);
    }
    static unsigned char slots[BATCH][SLOT];
    struct iovec iov[BATCH];
    struct mmsghdr msgs[BATCH];
    for (int i = 0; i < BATCH; i++) {
        iov[i] = (struct iovec){.iov_base = slots[i], .iov_len = SLOT};
        msgs[i].msg_hdr = (struct msghdr){.msg_iov = &iov[i], .msg_iovlen = 1};
    }
    uint64_t seen[MAX_SINKS] = {0};
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        struct epoll_event events[MAX_SINKS];
        int ready;
        if (opt.sink_poll_us > 0) {
            /* Polled on a timer: no sink ever waits on its socket, so the forwarder's sends wake nobody. */
            usleep((useconds_t)opt.sink_poll_us);
            ready = opt.sinks;
            for (int s = 0; s < opt.sinks; s++) events[s].data.u32 = (uint32_t)s;
        } else {
            ready = epoll_wait(epoll, events, MAX_SINKS, 100);
        }
        for (int e = 0; e < ready; e++) {
            int s = (int)events[e].data.u32;
            for (;;) {
                int n = recvmmsg(sink_fd[s], msgs, BATCH, MSG_DONTWAIT, NULL);
                if (n <= 0) break;
                atomic_fetch_add_explicit(&received[s], (unsigned long long)n, memory_order_relaxed);
                if (verify[s]) {
                    for (int i = 0; i < n; i++, seen[s]++) {
                        if (seen[s] % VERIFY_EVERY) continue;
                        int length = (int)msgs[i].msg_len;
                        if (srtp_unprotect(verify[s], slots[i], &length) == srtp_err_status_ok)
                            atomic_fetch_add(&verified, 1);
                        else
                            atomic_fetch_add(&verify_failed, 1);
                    }
                }
                if (n < BATCH) break;
            }
        }
    }
    return NULL;
}

/* Drops of the sockets bound to [first, first + count) on 127.0.0.1, from /proc/net/udp's last column. */
static unsigned long long socket_drops(int first, int count) {
    FILE *file = fopen("/proc/net/udp", "r");
    if (!file) return 0;
    char line[512];
    unsigned long long total = 0;
    fgets(line, sizeof line, file);
    while (fgets(line, sizeof line, file)) {
        unsigned int port;
        unsigned long long drops;
        /* sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops (lines end in spaces) */
        if (sscanf(line, " %*d: %*8x:%4x %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu", &port, &drops) != 2)
            continue;
        if ((int)port >= first && (int)port < first + count) total += drops;
    }
    fclose(file);
    return total;
}

/* utime + stime of a process (all its threads), in seconds. */
static double cpu_seconds(int pid) {
    if (pid <= 0) return 0;
    char path[64], buffer[2048];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *file = fopen(path, "r");
    if (!file) return 0;
    size_t n = fread(buffer, 1, sizeof buffer - 1, file);
    fclose(file);
    buffer[n] = 0;
    char *p = strrchr(buffer, ')');
    unsigned long long utime = 0, stime = 0;
    /* After the command: state, then fields 4..13, then utime (14) and stime (15). */
    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime);
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

struct snapshot {
    double at, cpu;
    unsigned long long sent, out, sink_drops, target_drops;
};

static struct snapshot take(void) {
    struct snapshot s = {.at = now_seconds(), .cpu = cpu_seconds(opt.pid), .sent = atomic_load(&sent_total)};
    for (int i = 0; i < opt.sinks; i++) s.out += atomic_load(&received[i]);
    s.sink_drops = socket_drops(opt.sink_port, opt.sinks);
    s.target_drops = socket_drops(opt.target, 1);
    return s;
}

int main(int argc, char **argv) {
    for (int i = 1; i + 1 < argc || (i < argc && !strcmp(argv[i], "--ring")); i++) {
        const char *name = argv[i];
        if (!strcmp(name, "--ring")) { opt.ring = 1; continue; }
        const char *value = argv[++i];
        if (!strcmp(name, "--target")) opt.target = atoi(value);
        else if (!strcmp(name, "--source-port")) opt.source_port = atoi(value);
        else if (!strcmp(name, "--sink-port")) opt.sink_port = atoi(value);
        else if (!strcmp(name, "--sinks")) opt.sinks = atoi(value);
        else if (!strcmp(name, "--profile")) opt.gcm = !strcmp(value, "gcm");
        else if (!strcmp(name, "--key")) opt.key_len = hex(value, opt.key, 30);
        else if (!strcmp(name, "--verify-key")) opt.verify_len = hex(value, opt.verify_key, 30);
        else if (!strcmp(name, "--session-key")) opt.session_key_len = hex(value, opt.session_key, 16);
        else if (!strcmp(name, "--session-salt")) opt.session_salt_len = hex(value, opt.session_salt, 12);
        else if (!strcmp(name, "--rate")) opt.rate = atof(value);
        else if (!strcmp(name, "--size")) opt.size = atoi(value);
        else if (!strcmp(name, "--warmup")) opt.warmup = atof(value);
        else if (!strcmp(name, "--duration")) opt.duration = atof(value);
        else if (!strcmp(name, "--pid")) opt.pid = atoi(value);
        else if (!strcmp(name, "--sink-poll-us")) opt.sink_poll_us = atoi(value);
        else { fprintf(stderr, "unknown option %s\n", name); return 2; }
    }
    if (opt.sinks < 1 || opt.sinks > MAX_SINKS || !opt.key_len || opt.size > SLOT - 32) return 2;
    srtp_init();
    if (opt.gcm && opt.session_key_len == 16 && opt.session_salt_len == 12 && !opt.ring) {
        fast_gcm = clue_srtp_aes_new(opt.session_key, 16, 1);
        if (!fast_gcm) fprintf(stderr, "no AES-NI: the generator protects with libsrtp2\n");
    }
    for (int s = 0; s < opt.sinks; s++) {
        sink_fd[s] = udp_socket(opt.sink_port + s);
        fcntl(sink_fd[s], F_SETFL, fcntl(sink_fd[s], F_GETFL) | O_NONBLOCK);
    }
    pthread_t send_thread, sink_thread;
    pthread_create(&sink_thread, NULL, sinks, NULL);
    pthread_create(&send_thread, NULL, sender, NULL);
    usleep((useconds_t)(opt.warmup * 1e6));
    struct snapshot a = take();
    usleep((useconds_t)(opt.duration * 1e6));
    struct snapshot b = take();
    atomic_store(&stop, 1);
    pthread_join(send_thread, NULL);
    pthread_join(sink_thread, NULL);
    double seconds = b.at - a.at;
    unsigned long long out = b.out - a.out, dropped = b.sink_drops - a.sink_drops;
    printf("RESULT seconds=%.3f sent_pps=%.0f out_pps=%.0f sink_drop_pps=%.0f target_drop_pps=%.0f "
           "target_cpu=%.3f verified=%llu verify_failed=%llu\n",
           seconds, (b.sent - a.sent) / seconds, (out + dropped) / seconds, dropped / seconds,
           (b.target_drops - a.target_drops) / seconds, (b.cpu - a.cpu) / seconds,
           atomic_load(&verified), atomic_load(&verify_failed));
    return 0;
}
