#include <ctype.h>
#include <string.h>

#include "core/names.h"

int name_char(int c)
{
	return isalnum(c) || c == '_' || c == '.' || c == '-';
}

int name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > NAME_MAX_LEN || *s == '.' || *s == '-')
		return 0;
	for (; *s; s++)
		if (!name_char((unsigned char)*s))
			return 0;
	return 1;
}
