#include <srtp2/srtp.h>
#include <srtp2/cipher.h>

// The AES-CM-128 cipher type libsrtp2 exports but no installed header declares; used only by the RFC 3711 B.2
// known-answer check in MediaSecurity.
extern const srtp_cipher_type_t srtp_aes_icm_128;

static inline const srtp_cipher_type_t *clue_srtp_aes_icm_128(void) { return &srtp_aes_icm_128; }

// srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80 is a macro in libsrtp2 2.5; Swift cannot call macros.
static inline void clue_srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(srtp_crypto_policy_t *p) {
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(p);
}

static inline void clue_srtp_crypto_policy_set_aes_gcm_128_16_auth(srtp_crypto_policy_t *p) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth(p);
}

static inline void clue_srtp_crypto_policy_set_aes_gcm_256_16_auth(srtp_crypto_policy_t *p) {
    srtp_crypto_policy_set_aes_gcm_256_16_auth(p);
}
