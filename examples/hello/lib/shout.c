#include <ctype.h>
#include <greet/greet.h>

char *greet_shout(char *s) {
    for (char *p = s; *p; p++) *p = (char)toupper((unsigned char)*p);
    return s;
}
