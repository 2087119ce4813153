#ifndef HELLO_CONFIG_H
#define HELLO_CONFIG_H

#define HELLO_NAME "world"

#endif
