#ifndef CLUE_SRTP_CIPHER_H
#define CLUE_SRTP_CIPHER_H

#include <stddef.h>
#include <stdint.h>

/*
 * AES-GCM (RFC 7714) and AES counter mode (RFC 3711 section 4.1.1) for SRTP with AES-NI, for the CPUs that have it.
 * The AES rounds (key expansion, one block, counter mode) and GCM's GHASH (carry-less multiplication with
 * PCLMULQDQ) are written here with intrinsics; where the CPU has VAES and VPCLMULQDQ with AVX-512 both work on four
 * blocks per instruction. Each call takes the IV and returns the tag without parameter lookups, so a packet costs
 * little more than its bytes. From libcrypto only OPENSSL_cleanse and CRYPTO_memcmp are used.
 */

/* One AES key with, for GCM, the powers of its hash key; opaque to callers. */
typedef struct clue_srtp_aes clue_srtp_aes;

/* Whether this CPU has AES-NI and PCLMULQDQ (with SSSE3 and SSE4.1), which everything below needs. */
int clue_srtp_aes_hardware_available(void);

/*
 * A context for a 16- or 32-byte AES key; `gcm` nonzero also prepares GCM's hash key. NULL when the CPU lacks the
 * instructions, the key length is wrong or memory runs out.
 */
clue_srtp_aes *clue_srtp_aes_new(const uint8_t *key, size_t key_length, int gcm);

/*
 * Whether this context uses VAES and VPCLMULQDQ with AVX-512 (counter mode 16 blocks per round, GHASH 16 blocks per
 * reduction) or AES-NI and PCLMULQDQ alone (8 blocks per round and per reduction): the wide path is chosen by
 * clue_srtp_aes_new where the CPU has it; `wide` zero forces the narrow one (so that the tests cover both on any
 * CPU). Returns whether the wide path is in use.
 */
int clue_srtp_aes_use_wide(clue_srtp_aes *aes, int wide);

/* Wipes the round keys and hash key powers, then frees. */
void clue_srtp_aes_free(clue_srtp_aes *aes);

/*
 * AES-GCM encryption with a 12-byte IV: the associated data is aad[0..<aad_length] followed by
 * aad2[0..<aad2_length] (aad2 may be NULL), `length` bytes are read from `in` and written encrypted to `out` (which
 * may equal `in`), and a tag of `tag_length` (at most 16) bytes is written to `tag`. Returns 0, or -1 on a bad
 * length.
 */
int clue_srtp_gcm_seal(clue_srtp_aes *aes, const uint8_t iv[12], const uint8_t *aad, size_t aad_length,
                       const uint8_t *aad2, size_t aad2_length, const uint8_t *in, uint8_t *out, size_t length,
                       uint8_t *tag, size_t tag_length);

/*
 * AES-GCM decryption as above, checking `tag` in constant time. Returns 0 if it matches, -1 otherwise; `out` holds
 * the decrypted bytes either way (the caller discards them on failure).
 */
int clue_srtp_gcm_open(clue_srtp_aes *aes, const uint8_t iv[12], const uint8_t *aad, size_t aad_length,
                       const uint8_t *aad2, size_t aad2_length, const uint8_t *in, uint8_t *out, size_t length,
                       const uint8_t *tag, size_t tag_length);

/*
 * AES counter mode from the 16-byte counter block `iv`, incrementing its last 32 bits big-endian: XORs the
 * keystream over `length` bytes from `in` into `out` (which may equal `in`).
 */
void clue_srtp_aes_ctr(const clue_srtp_aes *aes, const uint8_t iv[16], const uint8_t *in, uint8_t *out,
                       size_t length);

#endif
