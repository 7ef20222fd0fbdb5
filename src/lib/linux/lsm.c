/* lsm: placeholder until implemented. */
