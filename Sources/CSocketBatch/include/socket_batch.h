// Batched datagram I/O (recvmmsg/sendmmsg) for the media port. These calls need _GNU_SOURCE, which Swift's Glibc
// module does not define, so the mmsghdr arrays live here behind an opaque handle.
#ifndef CLUE_SOCKET_BATCH_H
#define CLUE_SOCKET_BATCH_H

#include <stddef.h>
#include <sys/socket.h>

typedef struct clue_batch clue_batch;

/// `count` slots of `slot_bytes` each, allocated once. NULL when out of memory.
clue_batch *clue_batch_create(unsigned count, unsigned slot_bytes);
void clue_batch_destroy(clue_batch *batch);

/// One recvmmsg into every slot (MSG_DONTWAIT). Returns how many datagrams arrived, 0 when none, -1 on error.
int clue_batch_receive(clue_batch *batch, int fd);

/// The payload and length of received slot `index`.
unsigned char *clue_batch_payload(clue_batch *batch, unsigned index, size_t *length);
/// The source address of received slot `index`.
const struct sockaddr_storage *clue_batch_source(clue_batch *batch, unsigned index, socklen_t *length);

/// Slot `index`'s buffer (`slot_bytes` long), to build a datagram in place before `clue_batch_commit`.
unsigned char *clue_batch_slot(clue_batch *batch, unsigned index);
/// Marks slot `index` as holding `length` bytes for `destination`. Returns 0, or -1 when they do not fit.
int clue_batch_commit(clue_batch *batch, unsigned index, size_t length, const struct sockaddr *destination,
                      socklen_t destination_length);
/// Waits up to `microseconds` for `fd` to become readable (ppoll), or for `interrupt_fd` (an eventfd from
/// `clue_interrupt_create`, or -1) to be signalled. Returns 1 when `fd` is readable, 2 when interrupted (the
/// signal stays until `clue_interrupt_clear`), 0 when the time ran out.
int clue_batch_wait_readable(int fd, int interrupt_fd, long microseconds);
/// An eventfd for `clue_batch_wait_readable`'s interrupt, or -1.
int clue_interrupt_create(void);
/// Signals an interrupt eventfd (from any thread).
void clue_interrupt_signal(int fd);
/// Clears an interrupt eventfd's signal (non-blocking).
void clue_interrupt_clear(int fd);
/// Sends slots [0, count): one sendmmsg (repeated for what the kernel did not take at once) of the datagrams, or,
/// with segmentation on, of runs of datagrams to one destination (UDP GSO). Returns how many datagrams the kernel
/// took; the rest were dropped (a full socket buffer).
unsigned clue_batch_send_all(clue_batch *batch, int fd, unsigned count);
/// Turns UDP generic segmentation offload on for this batch's sends when `enable` and the kernel has it. Returns
/// whether it is on.
int clue_batch_enable_segmentation(clue_batch *batch, int fd, int enable);
/// How many runs the kernel refused as a whole and were sent datagram by datagram.
unsigned long clue_batch_segmentation_fallbacks(const clue_batch *batch);
/// How many runs of two or more datagrams went out as one.
unsigned long clue_batch_segmented_runs(const clue_batch *batch);

#endif
