#ifndef GREET_GREET_H
#define GREET_GREET_H

/* Writes "<greeting>, <name>!" into buf; returns the length. */
int greet_format(char *buf, unsigned long size, const char *greeting, const char *name);

/* Upper-cases s in place and returns it. */
char *greet_shout(char *s);

#endif
