/* The baseline of the forwarding benchmark: the least a UDP relay can do. It receives datagrams in batches
 * (recvmmsg) and sends each one, unchanged, to N sinks in batches (sendmmsg): no parsing, no crypto, no copies.
 *
 * With "gso" it sends each batch to each sink as runs of equal-size datagrams, one sendmmsg entry per run with
 * UDP_SEGMENT (UDP generic segmentation offload), as the bridge does: the baseline for the bridge's own overhead
 * when both use the kernel's cheapest way to send.
 *
 *   relay <listen-port> <first-sink-port> <sinks> [gso]      (all on 127.0.0.1; runs until killed)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

enum { BATCH = 32, SLOT = 2048, MAX_SINKS = 16 };

int main(int argc, char **argv) {
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: relay <listen-port> <first-sink-port> <sinks> [gso]\n");
        return 2;
    }
    int port = atoi(argv[1]), first_sink = atoi(argv[2]), sinks = atoi(argv[3]);
    int gso = argc == 5 && !strcmp(argv[4], "gso");
    if (sinks < 1 || sinks > MAX_SINKS) return 2;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    /* The same buffer sizes the bridge asks for (BatchedUDPSocket). */
    int size = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    struct sockaddr_in local = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &local.sin_addr);
    if (bind(fd, (struct sockaddr *)&local, sizeof local) != 0) {
        perror("bind");
        return 1;
    }
    struct sockaddr_in sink[MAX_SINKS];
    for (int i = 0; i < sinks; i++) {
        sink[i] = local;
        sink[i].sin_port = htons(first_sink + i);
    }
    static unsigned char slots[BATCH][SLOT];
    static struct iovec in_iov[BATCH], out_iov[BATCH * MAX_SINKS];
    static struct mmsghdr in[BATCH], out[BATCH * MAX_SINKS];
    enum { CONTROL = CMSG_SPACE(sizeof(uint16_t)) };
    static unsigned char control[BATCH * MAX_SINKS][CONTROL];
    for (int i = 0; i < BATCH; i++) {
        in_iov[i] = (struct iovec){.iov_base = slots[i], .iov_len = SLOT};
        in[i].msg_hdr = (struct msghdr){.msg_iov = &in_iov[i], .msg_iovlen = 1};
    }
    printf("ready\n");
    fflush(stdout);
    for (;;) {
        int count = recvmmsg(fd, in, BATCH, MSG_WAITFORONE, NULL);
        if (count <= 0) continue;
        int n = 0;
        for (int s = 0; gso && s < sinks; s++) {
            /* Runs of equal-size datagrams (the last of a run may be shorter), at most 64 per run. */
            for (int i = 0; i < count;) {
                int run = 1;
                while (i + run < count && run < 64 && in[i + run].msg_len > 0 && in[i + run].msg_len <= in[i].msg_len) {
                    run++;
                    if (in[i + run - 1].msg_len < in[i].msg_len) break;
                }
                struct iovec *vectors = &out_iov[s * BATCH + i];
                for (int k = 0; k < run; k++)
                    vectors[k] = (struct iovec){.iov_base = slots[i + k], .iov_len = in[i + k].msg_len};
                out[n].msg_hdr = (struct msghdr){.msg_name = &sink[s], .msg_namelen = sizeof sink[s],
                                                 .msg_iov = vectors, .msg_iovlen = (size_t)run};
                if (run > 1) {
                    out[n].msg_hdr.msg_control = control[n];
                    out[n].msg_hdr.msg_controllen = CONTROL;
                    struct cmsghdr *c = CMSG_FIRSTHDR(&out[n].msg_hdr);
                    c->cmsg_level = SOL_UDP;
                    c->cmsg_type = UDP_SEGMENT;
                    c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
                    uint16_t segment = (uint16_t)in[i].msg_len;
                    memcpy(CMSG_DATA(c), &segment, sizeof segment);
                }
                n++;
                i += run;
            }
        }
        for (int i = 0; !gso && i < count; i++) {
            for (int s = 0; s < sinks; s++, n++) {
                out_iov[n] = (struct iovec){.iov_base = slots[i], .iov_len = in[i].msg_len};
                out[n].msg_hdr = (struct msghdr){.msg_name = &sink[s], .msg_namelen = sizeof sink[s],
                                                 .msg_iov = &out_iov[n], .msg_iovlen = 1};
            }
        }
        for (int sent = 0; sent < n;) {
            /* Non-blocking, as the bridge's socket is: what the kernel will not take now is dropped. */
            int done = sendmmsg(fd, out + sent, n - sent, MSG_DONTWAIT);
            if (done <= 0) break;
            sent += done;
        }
    }
}
