/* The baseline of the forwarding benchmark: the least a UDP relay can do. It receives datagrams in batches
 * (recvmmsg) and sends each one, unchanged, to N sinks in batches (sendmmsg): no parsing, no crypto, no copies.
 *
 *   relay <listen-port> <first-sink-port> <sinks>      (all on 127.0.0.1; runs until killed)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { BATCH = 32, SLOT = 2048, MAX_SINKS = 16 };

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: relay <listen-port> <first-sink-port> <sinks>\n");
        return 2;
    }
    int port = atoi(argv[1]), first_sink = atoi(argv[2]), sinks = atoi(argv[3]);
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
        for (int i = 0; i < count; i++) {
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
