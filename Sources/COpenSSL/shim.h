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
