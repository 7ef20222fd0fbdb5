/* container: placeholder until implemented. */
