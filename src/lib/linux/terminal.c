/* terminal: placeholder until implemented. */
