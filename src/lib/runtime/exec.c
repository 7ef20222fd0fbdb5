/* exec: placeholder until implemented. */
