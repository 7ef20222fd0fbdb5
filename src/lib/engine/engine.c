/* engine: placeholder until implemented. */
