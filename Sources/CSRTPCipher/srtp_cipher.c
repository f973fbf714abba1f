#include "srtp_cipher.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/modes.h>

#include <immintrin.h>

/*
 * AES (FIPS 197) with the AES-NI instructions as Intel's white paper "Advanced Encryption Standard (AES) New
 * Instructions Set" (Gueron, 2010) describes them: AESKEYGENASSIST for the key schedule, AESENC/AESENCLAST for the
 * rounds, each instruction constant time. Only the functions marked AESNI use these instructions, so the file needs
 * no global compiler flags; callers reach them only after clue_srtp_aes_hardware_available() said yes.
 */
#define AESNI __attribute__((target("aes,pclmul,sse4.1,ssse3")))

enum { maximum_rounds = 14, block_size = 16, interleave = 8 };

struct clue_srtp_aes {
    /* Round keys first, so that the 16-byte alignment of the allocation applies to them. */
    __m128i round_keys[maximum_rounds + 1];
    int rounds;
    /* Whether the CPU has VAES with AVX-512: four blocks per instruction. */
    int wide;
    GCM128_CONTEXT *gcm;
};

int clue_srtp_aes_hardware_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("aes") && __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("ssse3")
        && __builtin_cpu_supports("sse4.1");
}

/* FIPS 197 section 5.2: w[i] = w[i-Nk] ^ temp for the four words of a round key, with temp (SubWord(RotWord) ^
 * Rcon, or SubWord alone for AES-256's odd round keys) already broadcast to every word of `assist`. */
AESNI static inline __m128i next_round_key(__m128i previous, __m128i assist) {
    previous = _mm_xor_si128(previous, _mm_slli_si128(previous, 4));
    previous = _mm_xor_si128(previous, _mm_slli_si128(previous, 4));
    previous = _mm_xor_si128(previous, _mm_slli_si128(previous, 4));
    return _mm_xor_si128(previous, assist);
}

/* AESKEYGENASSIST takes Rcon as an immediate, hence macros. Word 3 of its result is RotWord(SubWord(w)) ^ Rcon
 * (of the key's last word), word 2 SubWord(w) alone. */
#define EXPAND_128(i, rcon) \
    rk[i] = next_round_key(rk[(i) - 1], _mm_shuffle_epi32(_mm_aeskeygenassist_si128(rk[(i) - 1], rcon), 0xff))
#define EXPAND_256_EVEN(i, rcon) \
    rk[i] = next_round_key(rk[(i) - 2], _mm_shuffle_epi32(_mm_aeskeygenassist_si128(rk[(i) - 1], rcon), 0xff))
#define EXPAND_256_ODD(i) \
    rk[i] = next_round_key(rk[(i) - 2], _mm_shuffle_epi32(_mm_aeskeygenassist_si128(rk[(i) - 1], 0), 0xaa))

AESNI static void expand_key(struct clue_srtp_aes *aes, const uint8_t *key, size_t key_length) {
    __m128i *rk = aes->round_keys;
    rk[0] = _mm_loadu_si128((const __m128i *)key);
    if (key_length == 16) {
        aes->rounds = 10;
        EXPAND_128(1, 0x01); EXPAND_128(2, 0x02); EXPAND_128(3, 0x04); EXPAND_128(4, 0x08); EXPAND_128(5, 0x10);
        EXPAND_128(6, 0x20); EXPAND_128(7, 0x40); EXPAND_128(8, 0x80); EXPAND_128(9, 0x1b); EXPAND_128(10, 0x36);
    } else {
        aes->rounds = 14;
        rk[1] = _mm_loadu_si128((const __m128i *)(key + 16));
        EXPAND_256_EVEN(2, 0x01); EXPAND_256_ODD(3); EXPAND_256_EVEN(4, 0x02); EXPAND_256_ODD(5);
        EXPAND_256_EVEN(6, 0x04); EXPAND_256_ODD(7); EXPAND_256_EVEN(8, 0x08); EXPAND_256_ODD(9);
        EXPAND_256_EVEN(10, 0x10); EXPAND_256_ODD(11); EXPAND_256_EVEN(12, 0x20); EXPAND_256_ODD(13);
        EXPAND_256_EVEN(14, 0x40);
    }
}

AESNI static inline __m128i encrypt_state(const struct clue_srtp_aes *aes, __m128i state) {
    const __m128i *rk = aes->round_keys;
    state = _mm_xor_si128(state, rk[0]);
    for (int round = 1; round < aes->rounds; round++) state = _mm_aesenc_si128(state, rk[round]);
    return _mm_aesenclast_si128(state, rk[aes->rounds]);
}

/* block128_f for CRYPTO_gcm128: one block, used for the hash key H, E(K, Y0) and a trailing partial block. */
AESNI static void encrypt_block(const unsigned char in[16], unsigned char out[16], const void *key) {
    _mm_storeu_si128((__m128i *)out, encrypt_state(key, _mm_loadu_si128((const __m128i *)in)));
}

/* Byte order of a counter block with its last 32 bits reversed: the counter as a native little-endian lane 3,
 * which _mm_add_epi32 increments modulo 2^32 as SP 800-38D's inc_32 does. The same shuffle undoes it. */
AESNI static inline __m128i swap_counter(__m128i block) {
    return _mm_shuffle_epi8(block, _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 15, 14, 13, 12));
}

#define LANE(i) _mm_set_epi32((i), 0, 0, 0)
#define FOR_EACH_STATE(op) op(0) op(1) op(2) op(3) op(4) op(5) op(6) op(7)
#define START(i) __m128i s##i = _mm_xor_si128(swap_counter(_mm_add_epi32(counter, LANE(i))), round_key);
#define ROUND(i) s##i = _mm_aesenc_si128(s##i, round_key);
#define LAST_ROUND(i) s##i = _mm_aesenclast_si128(s##i, round_key);
#define OUTPUT(i) _mm_storeu_si128((__m128i *)(out + 16 * (i)), \
    _mm_xor_si128(_mm_loadu_si128((const __m128i *)(in + 16 * (i))), s##i));

#define VAES __attribute__((target("vaes,avx512f,avx512bw")))

static int wide_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("vaes") && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
}

/* The bytes of a 64-byte lane group that lie within `remaining` bytes, as a load/store mask. */
static inline __mmask64 byte_mask(size_t remaining) {
    return remaining >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << remaining) - 1);
}

#define WIDE_STATES(op) op(0) op(1) op(2) op(3)
#define WIDE_START(i) __m512i s##i = _mm512_xor_si512( \
    _mm512_shuffle_epi8(_mm512_add_epi32(counters, _mm512_set_epi32(4 * (i) + 3, 0, 0, 0, 4 * (i) + 2, 0, 0, 0, \
                                                                     4 * (i) + 1, 0, 0, 0, 4 * (i), 0, 0, 0)), \
                        swap), rk[0]);
#define WIDE_ROUND(i) s##i = _mm512_aesenc_epi128(s##i, rk[round]);
#define WIDE_LAST_ROUND(i) s##i = _mm512_aesenclast_epi128(s##i, rk[rounds]);
#define WIDE_OUTPUT(i) _mm512_storeu_si512(out + 64 * (i), \
    _mm512_xor_si512(_mm512_loadu_si512(in + 64 * (i)), s##i));
#define WIDE_MASKED_OUTPUT(i) { __mmask64 mask = byte_mask(length > 64 * (i) ? length - 64 * (i) : 0); \
    _mm512_mask_storeu_epi8(out + 64 * (i), mask, \
                            _mm512_xor_si512(_mm512_maskz_loadu_epi8(mask, in + 64 * (i)), s##i)); }

/*
 * Counter mode with VAES: each 512-bit register holds four counter blocks, four registers (16 blocks) go through
 * each round together. `length` need not be a multiple of 16: the last group's loads and stores are masked, so
 * nothing beyond in[length - 1] or out[length - 1] is touched.
 */
VAES static void encrypt_counter_bytes_wide(const struct clue_srtp_aes *aes, const unsigned char ivec[16],
                                            const unsigned char *in, unsigned char *out, size_t length) {
    const int rounds = aes->rounds;
    __m512i rk[maximum_rounds + 1];
    for (int round = 0; round <= rounds; round++) rk[round] = _mm512_broadcast_i32x4(aes->round_keys[round]);
    const __m512i swap = _mm512_broadcast_i32x4(
        _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 15, 14, 13, 12));
    __m512i counters = _mm512_shuffle_epi8(_mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)ivec)), swap);
    while (length > 0) {
        WIDE_STATES(WIDE_START)
        for (int round = 1; round < rounds; round++) {
            WIDE_STATES(WIDE_ROUND)
        }
        WIDE_STATES(WIDE_LAST_ROUND)
        if (length >= 256) {
            WIDE_STATES(WIDE_OUTPUT)
            counters = _mm512_add_epi32(counters, _mm512_set_epi32(16, 0, 0, 0, 16, 0, 0, 0, 16, 0, 0, 0, 16, 0, 0, 0));
            in += 256;
            out += 256;
            length -= 256;
        } else {
            WIDE_STATES(WIDE_MASKED_OUTPUT)
            length = 0;
        }
    }
}

/*
 * ctr128_f for CRYPTO_gcm128_encrypt_ctr32/decrypt_ctr32 (and counter mode here): `blocks` whole blocks from the
 * counter block `ivec`, whose last 32 bits count big-endian. Eight independent blocks go through each round
 * together, which hides AESENC's latency behind its throughput.
 */
AESNI static void encrypt_counter_blocks(const unsigned char *in, unsigned char *out, size_t blocks, const void *key,
                                         const unsigned char ivec[16]) {
    const struct clue_srtp_aes *aes = key;
    if (aes->wide) {
        encrypt_counter_bytes_wide(aes, ivec, in, out, blocks * block_size);
        return;
    }
    const __m128i *rk = aes->round_keys;
    const int rounds = aes->rounds;
    __m128i counter = swap_counter(_mm_loadu_si128((const __m128i *)ivec));
    while (blocks >= interleave) {
        __m128i round_key = rk[0];
        FOR_EACH_STATE(START)
        for (int round = 1; round < rounds; round++) {
            round_key = rk[round];
            FOR_EACH_STATE(ROUND)
        }
        round_key = rk[rounds];
        FOR_EACH_STATE(LAST_ROUND)
        FOR_EACH_STATE(OUTPUT)
        counter = _mm_add_epi32(counter, LANE(interleave));
        in += interleave * block_size;
        out += interleave * block_size;
        blocks -= interleave;
    }
    for (; blocks > 0; blocks--) {
        __m128i keystream = encrypt_state(aes, swap_counter(counter));
        _mm_storeu_si128((__m128i *)out, _mm_xor_si128(_mm_loadu_si128((const __m128i *)in), keystream));
        counter = _mm_add_epi32(counter, LANE(1));
        in += block_size;
        out += block_size;
    }
}

clue_srtp_aes *clue_srtp_aes_new(const uint8_t *key, size_t key_length, int gcm) {
    if ((key_length != 16 && key_length != 32) || !clue_srtp_aes_hardware_available()) return NULL;
    struct clue_srtp_aes *aes = aligned_alloc(64, (sizeof *aes + 63) & ~(size_t)63);
    if (aes == NULL) return NULL;
    expand_key(aes, key, key_length);
    aes->wide = wide_available();
    aes->gcm = NULL;
    if (gcm && (aes->gcm = CRYPTO_gcm128_new(aes, encrypt_block)) == NULL) {
        clue_srtp_aes_free(aes);
        return NULL;
    }
    return aes;
}

int clue_srtp_aes_use_wide(clue_srtp_aes *aes, int wide) {
    aes->wide = wide && wide_available();
    return aes->wide;
}

void clue_srtp_aes_free(clue_srtp_aes *aes) {
    if (aes == NULL) return;
    /* CRYPTO_gcm128_release clears the context (hash key, counters) before freeing it. */
    if (aes->gcm != NULL) CRYPTO_gcm128_release(aes->gcm);
    OPENSSL_cleanse(aes, sizeof *aes);
    free(aes);
}

/* SP 800-38D section 7.1 steps 1 to 4 up to the ciphertext: J0 = IV || 0^31 || 1 (a 96-bit IV), the hash over the
 * associated data. */
static int start_gcm(clue_srtp_aes *aes, const uint8_t iv[12], const uint8_t *aad, size_t aad_length,
                     const uint8_t *aad2, size_t aad2_length) {
    if (aes->gcm == NULL) return -1;
    CRYPTO_gcm128_setiv(aes->gcm, iv, 12);
    if (aad_length > 0 && CRYPTO_gcm128_aad(aes->gcm, aad, aad_length) != 0) return -1;
    if (aad2_length > 0 && CRYPTO_gcm128_aad(aes->gcm, aad2, aad2_length) != 0) return -1;
    return 0;
}

int clue_srtp_gcm_seal(clue_srtp_aes *aes, const uint8_t iv[12], const uint8_t *aad, size_t aad_length,
                       const uint8_t *aad2, size_t aad2_length, const uint8_t *in, uint8_t *out, size_t length,
                       uint8_t *tag, size_t tag_length) {
    if (tag_length > 16 || start_gcm(aes, iv, aad, aad_length, aad2, aad2_length) != 0) return -1;
    if (CRYPTO_gcm128_encrypt_ctr32(aes->gcm, in, out, length, encrypt_counter_blocks) != 0) return -1;
    CRYPTO_gcm128_tag(aes->gcm, tag, tag_length);
    return 0;
}

int clue_srtp_gcm_open(clue_srtp_aes *aes, const uint8_t iv[12], const uint8_t *aad, size_t aad_length,
                       const uint8_t *aad2, size_t aad2_length, const uint8_t *in, uint8_t *out, size_t length,
                       const uint8_t *tag, size_t tag_length) {
    if (tag_length > 16 || start_gcm(aes, iv, aad, aad_length, aad2, aad2_length) != 0) return -1;
    if (CRYPTO_gcm128_decrypt_ctr32(aes->gcm, in, out, length, encrypt_counter_blocks) != 0) return -1;
    /* Compares with CRYPTO_memcmp: constant time. */
    return CRYPTO_gcm128_finish(aes->gcm, tag, tag_length) == 0 ? 0 : -1;
}

AESNI void clue_srtp_aes_ctr(const clue_srtp_aes *aes, const uint8_t iv[16], const uint8_t *in, uint8_t *out,
                             size_t length) {
    if (aes->wide) {
        encrypt_counter_bytes_wide(aes, iv, in, out, length);
        return;
    }
    size_t blocks = length / block_size;
    encrypt_counter_blocks(in, out, blocks, aes, iv);
    size_t done = blocks * block_size;
    if (done == length) return;
    /* The last, partial block: counter + blocks. */
    __m128i counter = _mm_add_epi32(swap_counter(_mm_loadu_si128((const __m128i *)iv)), LANE((int)blocks));
    uint8_t keystream[16];
    _mm_storeu_si128((__m128i *)keystream, encrypt_state(aes, swap_counter(counter)));
    for (size_t i = done; i < length; i++) out[i] = in[i] ^ keystream[i - done];
    OPENSSL_cleanse(keystream, sizeof keystream);
}
