/*
** suppress.h — known findings: the suppressions file.
**
** Library: gcsim_fuzz (fuzz/).
**
** One entry per line; `#` starts a comment:
**
**   kind KIND [POLICY]: REASON
**   roles KIND/OBJKIND/ACTOR/PHASE [POLICY]: REASON
**   signature KIND:HEX12 [POLICY]: REASON
**
** An entry matches a violation of that kind, those roles (minimize.h; a
** `*` component matches any), or that signature, under POLICY (a policy text, compared exactly) or under
** any policy when POLICY is absent or `*`.
**
** Invariants:
**   - Every entry has a reason; kinds are checked against the violation
**     kinds of sim.h; a bad line is one "FILE:LINE: message" error.
**   - suppress_parse() never aborts, whatever the bytes.
**   - Matching is pure and reports the first matching entry, in file order.
*/
#ifndef GCSIM_SUPPRESS_H
#define GCSIM_SUPPRESS_H

#include <stddef.h>

#include "gcsim/sim.h"

enum suppress_what { SUP_KIND = 0, SUP_ROLES, SUP_SIGNATURE };

struct suppression {
  enum suppress_what what;
  char value[96];
  char policy[256]; /* "" = any */
  char reason[256];
  unsigned line;
};

struct suppressions {
  struct suppression *v;
  size_t n;
  int has_signatures; /* matching may need a signature */
};

void suppress_init(struct suppressions *s);
void suppress_free(struct suppressions *s);

/* Parse a suppressions file's text; 0, or -1 with "FILE:LINE: message". */
int suppress_parse(const char *text, size_t len, const char *fname,
                   struct suppressions *s, char *err, size_t errlen);

/* The first entry matching a violation under `policy` with these roles and
   signature (NULL when not computed: signature entries then never match),
   or NULL. */
const struct suppression *suppress_match(const struct suppressions *s,
                                         const char *policy,
                                         const struct sim_violation *v,
                                         const char *roles,
                                         const char *signature);

#endif
