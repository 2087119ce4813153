#include <stdio.h>
#include <string.h>
#include "config.h"
#include <greet/greet.h>

int main(int argc, char **argv) {
    char buf[128];
    const char *name = argc > 1 ? argv[1] : HELLO_NAME;
    greet_format(buf, sizeof buf, GREETING, name);
    puts(buf);
    if (argc > 2 && strcmp(argv[2], "--shout") == 0) puts(greet_shout(buf));
    return 0;
}
