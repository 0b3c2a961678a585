/*
** cmd_policies.c — gcsim policies: every preset with its summary and knobs.
*/
#include <stdio.h>

#include "gcsim/policy.h"
#include "cli.h"

int cmd_policies(void) {
  printf("policy presets (gcsim run --policy PRESET[,knob=value...]):\n\n");
  for (size_t i = 0; i < policy_preset_count(); i++) {
    char buf[2048];
    policy_describe(policy_preset(i), buf, sizeof buf);
    printf("%s\n  %s\n%s\n", policy_preset(i)->name, policy_preset_summary(i),
           buf);
  }
  return 0;
}
