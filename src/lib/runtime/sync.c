/* sync: placeholder until implemented. */
