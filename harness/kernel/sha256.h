/* SHA-256 for build-cache keys. The key must not change between harness
 * versions or hosts, so it is a standard hash, not a hash table's. */
#ifndef HARNESS_KERNEL_SHA256_H
#define HARNESS_KERNEL_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct ksha256 {
	uint32_t h[8];
	uint64_t len;		/* bytes hashed so far */
	unsigned char buf[64];
	size_t nbuf;
};

void ksha256_init(struct ksha256 *s);
void ksha256_update(struct ksha256 *s, const void *data, size_t n);
void ksha256_str(struct ksha256 *s, const char *str);
/* Finish and write 64 lowercase hex digits and a NUL. */
void ksha256_hex(struct ksha256 *s, char out[65]);
/* First 16 hex digits of the SHA-256 of a string: the cache's keys. */
void ksha256_hex16(const char *text, char out[17]);
/* Hash a file's content; -1 with errno set when it cannot be read. */
int ksha256_file(const char *path, char out[65]);

#endif
