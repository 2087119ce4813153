#include <stdio.h>
#include "greet/greet.h"
#include "internal/fmt.h"

int greet_format(char *buf, unsigned long size, const char *greeting, const char *name) {
    return snprintf(buf, size, "%s, %s%s", greeting, name, GREET_PUNCTUATION);
}
