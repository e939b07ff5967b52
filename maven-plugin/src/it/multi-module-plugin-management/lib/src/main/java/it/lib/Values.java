package it.lib;

public final class Values {

    private Values() {
    }

    public static float scale() {
        return 2f;
    }
}
