#define _GNU_SOURCE
#include "socket_batch.h"

#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/uio.h>
#include <time.h>

struct clue_batch {
    unsigned count;
    unsigned slot_bytes;
    unsigned char *data;
    struct iovec *vectors;
    struct sockaddr_storage *addresses;
    struct mmsghdr *headers;
};

clue_batch *clue_batch_create(unsigned count, unsigned slot_bytes) {
    clue_batch *batch = calloc(1, sizeof *batch);
    if (!batch) return NULL;
    batch->count = count;
    batch->slot_bytes = slot_bytes;
    batch->data = malloc((size_t)count * slot_bytes);
    batch->vectors = calloc(count, sizeof *batch->vectors);
    batch->addresses = calloc(count, sizeof *batch->addresses);
    batch->headers = calloc(count, sizeof *batch->headers);
    if (!batch->data || !batch->vectors || !batch->addresses || !batch->headers) {
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

int clue_batch_send(clue_batch *batch, int fd, unsigned first, unsigned count) {
    return sendmmsg(fd, batch->headers + first, count, MSG_DONTWAIT);
}

int clue_batch_wait_readable(int fd, long microseconds) {
    struct pollfd descriptor = {.fd = fd, .events = POLLIN};
    struct timespec timeout = {.tv_sec = microseconds / 1000000, .tv_nsec = (microseconds % 1000000) * 1000};
    return ppoll(&descriptor, 1, &timeout, NULL) > 0 && (descriptor.revents & POLLIN) ? 1 : 0;
}
