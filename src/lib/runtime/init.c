/* init: placeholder until implemented. */
