#define _GNU_SOURCE
#include "socket_batch.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/uio.h>
#include <unistd.h>
#include <time.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

/* UDP generic segmentation offload (Linux 4.18+): one sendmsg carries several datagrams of one size (the last may be
 * shorter) to one destination, and the kernel (or the NIC) cuts them apart below the UDP layer, so the socket, IP
 * and routing work is paid once per run instead of once per datagram. The kernel's limits: at most 64 segments
 * (UDP_MAX_SEGMENTS), and a run that fits one IP datagram. Segments stay well under a path MTU of 1500. */
enum { GSO_MAX_SEGMENTS = 64, GSO_MAX_RUN_BYTES = 60000, GSO_MAX_SEGMENT_BYTES = 1400, GSO_OPEN_RUNS = 16 };

struct clue_batch {
    unsigned count;
    unsigned slot_bytes;
    unsigned char *data;
    struct iovec *vectors;
    struct sockaddr_storage *addresses;
    struct mmsghdr *headers;
    /* Grouped sends: the runs' headers, their segments' vectors in run order, each run's UDP_SEGMENT control
     * message, and per slot the run it joined. */
    int gso;
    struct mmsghdr *runs;
    struct iovec *run_vectors;
    unsigned char *controls;
    unsigned *run_of_slot;
    unsigned *run_segments;
    unsigned long gso_fallbacks;
    unsigned long gso_runs;
};

enum { CONTROL_BYTES = CMSG_SPACE(sizeof(uint16_t)) };

clue_batch *clue_batch_create(unsigned count, unsigned slot_bytes) {
    clue_batch *batch = calloc(1, sizeof *batch);
    if (!batch) return NULL;
    batch->count = count;
    batch->slot_bytes = slot_bytes;
    batch->data = malloc((size_t)count * slot_bytes);
    batch->vectors = calloc(count, sizeof *batch->vectors);
    batch->addresses = calloc(count, sizeof *batch->addresses);
    batch->headers = calloc(count, sizeof *batch->headers);
    batch->runs = calloc(count, sizeof *batch->runs);
    batch->run_vectors = calloc(count, sizeof *batch->run_vectors);
    batch->controls = calloc(count, CONTROL_BYTES);
    batch->run_of_slot = calloc(count, sizeof *batch->run_of_slot);
    batch->run_segments = calloc(count, sizeof *batch->run_segments);
    if (!batch->data || !batch->vectors || !batch->addresses || !batch->headers || !batch->runs ||
        !batch->run_vectors || !batch->controls || !batch->run_of_slot || !batch->run_segments) {
        clue_batch_destroy(batch);
        return NULL;
    }
    for (unsigned i = 0; i < count; i++) {
        batch->vectors[i].iov_base = batch->data + (size_t)i * slot_bytes;
        batch->headers[i].msg_hdr.msg_iov = &batch->vectors[i];
        batch->headers[i].msg_hdr.msg_iovlen = 1;
        batch->headers[i].msg_hdr.msg_name = &batch->addresses[i];
    }
    return batch;
}

void clue_batch_destroy(clue_batch *batch) {
    if (!batch) return;
    free(batch->data);
    free(batch->vectors);
    free(batch->addresses);
    free(batch->headers);
    free(batch->runs);
    free(batch->run_vectors);
    free(batch->controls);
    free(batch->run_of_slot);
    free(batch->run_segments);
    free(batch);
}

int clue_batch_receive(clue_batch *batch, int fd) {
    for (unsigned i = 0; i < batch->count; i++) {
        batch->vectors[i].iov_len = batch->slot_bytes;
        batch->headers[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_storage);
        batch->headers[i].msg_len = 0;
    }
    int received = recvmmsg(fd, batch->headers, batch->count, MSG_DONTWAIT, NULL);
    return received < 0 ? 0 : received;
}

unsigned char *clue_batch_payload(clue_batch *batch, unsigned index, size_t *length) {
    *length = batch->headers[index].msg_len;
    return batch->data + (size_t)index * batch->slot_bytes;
}

const struct sockaddr_storage *clue_batch_source(clue_batch *batch, unsigned index, socklen_t *length) {
    *length = batch->headers[index].msg_hdr.msg_namelen;
    return &batch->addresses[index];
}

unsigned char *clue_batch_slot(clue_batch *batch, unsigned index) {
    return batch->data + (size_t)index * batch->slot_bytes;
}

int clue_batch_commit(clue_batch *batch, unsigned index, size_t length, const struct sockaddr *destination,
                      socklen_t destination_length) {
    if (length > batch->slot_bytes || destination_length > sizeof(struct sockaddr_storage)) return -1;
    batch->vectors[index].iov_len = length;
    memcpy(&batch->addresses[index], destination, destination_length);
    batch->headers[index].msg_hdr.msg_namelen = destination_length;
    return 0;
}

int clue_batch_enable_segmentation(clue_batch *batch, int fd, int enable) {
    int size = 0;
    socklen_t length = sizeof size;
    /* The option is readable wherever the kernel knows it. */
    batch->gso = enable && getsockopt(fd, SOL_UDP, UDP_SEGMENT, &size, &length) == 0;
    return batch->gso;
}

unsigned long clue_batch_segmentation_fallbacks(const clue_batch *batch) { return batch->gso_fallbacks; }

unsigned long clue_batch_segmented_runs(const clue_batch *batch) { return batch->gso_runs; }

static int same_destination(const struct msghdr *a, const struct msghdr *b) {
    return a->msg_namelen == b->msg_namelen && memcmp(a->msg_name, b->msg_name, a->msg_namelen) == 0;
}

/* Groups slots [0, count) into runs: per destination, consecutive datagrams (in queue order) of the run's first
 * length, the last of a run possibly shorter. Order between datagrams to one destination is kept; runs go out in
 * the order of their first datagram. Returns the number of runs built in batch->runs. */
static unsigned build_runs(clue_batch *batch, unsigned count) {
    unsigned open[GSO_OPEN_RUNS], open_count = 0, runs = 0;
    unsigned first_slot[count > 0 ? count : 1];
    size_t run_bytes[count > 0 ? count : 1];
    for (unsigned i = 0; i < count; i++) {
        const struct msghdr *message = &batch->headers[i].msg_hdr;
        size_t length = batch->vectors[i].iov_len;
        unsigned joined = UINT32_MAX;
        for (unsigned o = 0; o < open_count; o++) {
            unsigned run = open[o];
            const struct msghdr *first = &batch->headers[first_slot[run]].msg_hdr;
            if (!same_destination(first, message)) continue;
            size_t segment = batch->vectors[first_slot[run]].iov_len;
            if (length > 0 && length <= segment && batch->run_segments[run] < GSO_MAX_SEGMENTS &&
                run_bytes[run] + length <= GSO_MAX_RUN_BYTES) {
                joined = run;
                batch->run_segments[run]++;
                run_bytes[run] += length;
                /* A shorter datagram ends its run; so does a full one. */
                if (length < segment || batch->run_segments[run] == GSO_MAX_SEGMENTS) open[o] = open[--open_count];
            } else {
                open[o] = open[--open_count]; /* this destination's next datagram starts a new run */
            }
            break;
        }
        if (joined == UINT32_MAX) {
            joined = runs++;
            first_slot[joined] = i;
            batch->run_segments[joined] = 1;
            run_bytes[joined] = length;
            if (length > 0 && length <= GSO_MAX_SEGMENT_BYTES && open_count < GSO_OPEN_RUNS) open[open_count++] = joined;
        }
        batch->run_of_slot[i] = joined;
    }
    /* Each run's vectors, contiguous and in queue order. */
    unsigned next = 0;
    for (unsigned run = 0; run < runs; run++) {
        struct msghdr *header = &batch->runs[run].msg_hdr;
        const struct msghdr *first = &batch->headers[first_slot[run]].msg_hdr;
        *header = (struct msghdr){.msg_name = first->msg_name, .msg_namelen = first->msg_namelen,
                                  .msg_iov = &batch->run_vectors[next], .msg_iovlen = 0};
        next += batch->run_segments[run];
        if (batch->run_segments[run] > 1) {
            header->msg_control = batch->controls + (size_t)run * CONTROL_BYTES;
            header->msg_controllen = CONTROL_BYTES;
            struct cmsghdr *control = CMSG_FIRSTHDR(header);
            control->cmsg_level = SOL_UDP;
            control->cmsg_type = UDP_SEGMENT;
            control->cmsg_len = CMSG_LEN(sizeof(uint16_t));
            uint16_t segment = (uint16_t)batch->vectors[first_slot[run]].iov_len;
            memcpy(CMSG_DATA(control), &segment, sizeof segment);
        }
    }
    for (unsigned i = 0; i < count; i++) {
        struct msghdr *header = &batch->runs[batch->run_of_slot[i]].msg_hdr;
        header->msg_iov[header->msg_iovlen++] = batch->vectors[i];
    }
    return runs;
}

/* Sends run `run`'s datagrams one by one (the kernel refused it as one run). Returns how many went out. */
static unsigned send_run_unsegmented(clue_batch *batch, int fd, unsigned run, unsigned count) {
    unsigned sent = 0;
    for (unsigned i = 0; i < count; i++) {
        if (batch->run_of_slot[i] != run) continue;
        if (sendmmsg(fd, batch->headers + i, 1, MSG_DONTWAIT) == 1) sent++;
    }
    return sent;
}

/* A full socket buffer: what is left is dropped, as the network would. */
static int full(int error) { return error == EAGAIN || error == EWOULDBLOCK || error == ENOBUFS; }

unsigned clue_batch_send_all(clue_batch *batch, int fd, unsigned count) {
    if (!batch->gso) {
        unsigned first = 0, datagrams = 0;
        while (first < count) {
            int sent = sendmmsg(fd, batch->headers + first, count - first, MSG_DONTWAIT);
            if (sent > 0) {
                first += (unsigned)sent;
                datagrams += (unsigned)sent;
            } else if (sent == 0 || full(errno)) {
                break;
            } else {
                first++; /* one destination refused (unreachable, say): the others still get theirs */
            }
        }
        return datagrams;
    }
    unsigned runs = build_runs(batch, count), first = 0, datagrams = 0;
    while (first < runs) {
        int sent = sendmmsg(fd, batch->runs + first, runs - first, MSG_DONTWAIT);
        if (sent > 0) {
            for (unsigned run = first; run < first + (unsigned)sent; run++) {
                datagrams += batch->run_segments[run];
                if (batch->run_segments[run] > 1) batch->gso_runs++;
            }
            first += (unsigned)sent;
            continue;
        }
        int error = errno;
        if (sent == 0 || full(error)) break;
        if (batch->run_segments[first] == 1) {
            first++; /* one datagram refused: nothing to retry differently */
            continue;
        }
        /* The run itself was refused: a route whose MTU is below the segment size (EINVAL), or a device that
         * cannot checksum segments (EIO), where segmentation is off from now on. */
        batch->gso_fallbacks++;
        if (error == EIO) batch->gso = 0;
        datagrams += send_run_unsegmented(batch, fd, first, count);
        first++;
    }
    return datagrams;
}

int clue_batch_wait_readable(int fd, int interrupt_fd, long microseconds) {
    struct pollfd descriptors[2] = {{.fd = fd, .events = POLLIN}, {.fd = interrupt_fd, .events = POLLIN}};
    struct timespec timeout = {.tv_sec = microseconds / 1000000, .tv_nsec = (microseconds % 1000000) * 1000};
    int ready = ppoll(descriptors, interrupt_fd >= 0 ? 2 : 1, &timeout, NULL);
    if (ready <= 0) return 0;
    if (interrupt_fd >= 0 && (descriptors[1].revents & POLLIN)) return 2; /* cleared by whoever takes it */
    return (descriptors[0].revents & POLLIN) ? 1 : 0;
}

int clue_interrupt_create(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

void clue_interrupt_clear(int fd) {
    uint64_t count;
    (void)!read(fd, &count, sizeof count);
}

void clue_interrupt_signal(int fd) {
    uint64_t one = 1;
    (void)!write(fd, &one, sizeof one); /* a full counter (never, in practice) already wakes the waiter */
}
