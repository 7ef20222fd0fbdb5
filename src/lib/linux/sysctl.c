/* sysctl: placeholder until implemented. */
