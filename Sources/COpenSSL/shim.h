#include <sys/time.h>

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/srtp.h>

/*
 * Swift cannot call C macros that take arguments, nor import constants built from them
 * (SSL_OP_BIT(n), XN_FLAG_RFC2253). These one-line wrappers expose the few that
 * SecureTransport uses; each calls exactly the macro it is named after.
 */

static inline uint64_t clue_ssl_op_no_query_mtu(void) { return SSL_OP_NO_QUERY_MTU; }
static inline uint64_t clue_ssl_op_no_renegotiation(void) { return SSL_OP_NO_RENEGOTIATION; }
static inline uint64_t clue_ssl_op_no_ticket(void) { return SSL_OP_NO_TICKET; }
static inline uint64_t clue_ssl_op_cipher_server_preference(void) { return SSL_OP_CIPHER_SERVER_PREFERENCE; }

static inline unsigned long clue_xn_flag_rfc2253(void) { return XN_FLAG_RFC2253; }

static inline void clue_openssl_free(void *pointer) { OPENSSL_free(pointer); }

static inline int clue_ssl_get_ex_new_index(void) {
    return SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

static inline void clue_bio_set_retry_read(BIO *bio) { BIO_set_retry_read(bio); }
static inline void clue_bio_clear_retry_flags(BIO *bio) { BIO_clear_retry_flags(bio); }
static inline long clue_bio_set_mem_eof_return(BIO *bio, long value) {
    return BIO_set_mem_eof_return(bio, value);
}

static inline int clue_ssl_ctx_set_min_proto_version(SSL_CTX *context, int version) {
    return (int)SSL_CTX_set_min_proto_version(context, version);
}
static inline long clue_ssl_ctx_set_mode(SSL_CTX *context, long mode) {
    return SSL_CTX_set_mode(context, mode);
}
static inline long clue_ssl_ctx_set_session_cache_mode(SSL_CTX *context, long mode) {
    return SSL_CTX_set_session_cache_mode(context, mode);
}
static inline int clue_ssl_ctx_add1_chain_cert(SSL_CTX *context, X509 *certificate) {
    return (int)SSL_CTX_add1_chain_cert(context, certificate);
}
static inline int clue_ssl_set_tlsext_host_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

static inline long clue_dtls_get_timeout(SSL *ssl, struct timeval *remaining) {
    return DTLSv1_get_timeout(ssl, remaining);
}
static inline long clue_dtls_handle_timeout(SSL *ssl) { return DTLSv1_handle_timeout(ssl); }
static inline long clue_dtls_set_link_mtu(SSL *ssl, long mtu) { return DTLS_set_link_mtu(ssl, mtu); }

/*
 * HMAC-SHA1 for SRTP (RFC 3711 section 4.2.1) without allocating per packet. OpenSSL 3's HMAC and EVP_MAC
 * duplicate a digest context per message, which mallocs; SHA_CTX is a plain struct, so the session key's inner and
 * outer pad states are hashed once and copied by value for every packet. SHA1_Init/Update/Final are deprecated in
 * OpenSSL 3 but exported and still the same assembly (SHA-NI/AVX2); the deprecation stays inside this shim, and Swift
 * sees the states only as opaque bytes of `clue_hmac_sha1_state_size()`.
 */
#include <openssl/sha.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static inline size_t clue_hmac_sha1_state_size(void) { return sizeof(SHA_CTX); }

/* RFC 2104: inner = H((K ^ ipad) || ...), outer = H((K ^ opad) || inner digest). */
static inline void clue_hmac_sha1_key_states(const unsigned char *key, size_t key_length, void *inner, void *outer) {
    unsigned char block[SHA_CBLOCK];
    unsigned char hashed[SHA_DIGEST_LENGTH];
    if (key_length > SHA_CBLOCK) {
        SHA1(key, key_length, hashed);
        key = hashed;
        key_length = SHA_DIGEST_LENGTH;
    }
    for (size_t i = 0; i < SHA_CBLOCK; i++) block[i] = (i < key_length ? key[i] : 0) ^ 0x36;
    SHA1_Init((SHA_CTX *)inner);
    SHA1_Update((SHA_CTX *)inner, block, SHA_CBLOCK);
    for (size_t i = 0; i < SHA_CBLOCK; i++) block[i] = (i < key_length ? key[i] : 0) ^ 0x5c;
    SHA1_Init((SHA_CTX *)outer);
    SHA1_Update((SHA_CTX *)outer, block, SHA_CBLOCK);
    OPENSSL_cleanse(block, sizeof block);
    OPENSSL_cleanse(hashed, sizeof hashed);
}

/* HMAC over message || suffix (SRTP appends the ROC, SRTCP nothing), into a 20-byte digest. */
static inline void clue_hmac_sha1_digest(const void *inner, const void *outer, const void *message, size_t length,
                                         const void *suffix, size_t suffix_length, unsigned char *digest) {
    SHA_CTX context = *(const SHA_CTX *)inner;
    SHA1_Update(&context, message, length);
    if (suffix_length > 0) SHA1_Update(&context, suffix, suffix_length);
    SHA1_Final(digest, &context);
    context = *(const SHA_CTX *)outer;
    SHA1_Update(&context, digest, SHA_DIGEST_LENGTH);
    SHA1_Final(digest, &context);
}
#pragma GCC diagnostic pop
