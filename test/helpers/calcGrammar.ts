/**
 * calcGrammar: a small bison grammar (sums and products of numbers, the
 * result in `result`) that the generator and export tests build.
 */
export const GRAMMAR = `%{
#include <stdio.h>
int yylex(void);
void yyerror(const char *s);
int result;
%}
%define api.value.type {int}
%token NUM
%%
input: expr { result = $1; } ;
expr: expr '+' NUM { $$ = $1 + $3; }
    | expr '*' NUM { $$ = $1 * $3; }
    | NUM ;
%%
void yyerror(const char *s) { fprintf(stderr, "%s\\n", s); }
`;
