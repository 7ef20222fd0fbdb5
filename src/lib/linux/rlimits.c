/* rlimits: placeholder until implemented. */
