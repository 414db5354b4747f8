/* gups's interleaved streams rest on the LFSR jump: k steps at once must
 * equal k single steps, so that segments of one stream cut by the jump do
 * exactly the updates of the uncut stream. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "workloads/gups_lfsr.h"

static uint64_t step(uint64_t ran, uint64_t k)
{
	while (k--)
		ran = gups_lfsr_next(ran);
	return ran;
}

static void test_jump_equals_steps(void **state)
{
	static const uint64_t starts[] = { 1, 2, 0x8000000000000000ull, 0x123456789abcdefull,
					   0xffffffffffffffffull };
	static const uint64_t ks[] = { 0, 1, 2, 63, 64, 65, 127, 1000, 131071 };

	for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++)
		for (size_t j = 0; j < sizeof(ks) / sizeof(ks[0]); j++)
			assert_true(gups_lfsr_jump(starts[i], ks[j]) == step(starts[i], ks[j]));
}

/* Multiplication in the field commutes and 1 is its unit. */
static void test_field(void **state)
{
	uint64_t a = 0x9e3779b97f4a7c15ull, b = 0xbf58476d1ce4e5b9ull;

	assert_true(gups_gf_mul(a, b) == gups_gf_mul(b, a));
	assert_true(gups_gf_mul(a, 1) == a);
	assert_true(gups_gf_mul(a, 2) == gups_lfsr_next(a));
}

/* Jumps compose: j then k steps is j + k steps. */
static void test_jumps_compose(void **state)
{
	uint64_t r = 0x5555aaaa5555aaaaull;

	assert_true(gups_lfsr_jump(gups_lfsr_jump(r, 12345), 67890) ==
		    gups_lfsr_jump(r, 12345 + 67890));
	assert_true(gups_lfsr_jump(r, 1ull << 40) ==
		    gups_lfsr_jump(gups_lfsr_jump(r, 1ull << 39), 1ull << 39));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jump_equals_steps),
		cmocka_unit_test(test_field),
		cmocka_unit_test(test_jumps_compose),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
