package delta4j.cli;

import picocli.CommandLine.ITypeConverter;

/**
 * The value of {@code --layers}: widths from inputs to outputs ("784,256,128,10", also written with 'x'), and the
 * text the user gave, which messages quote.
 *
 * @param widths at least two widths of at least 1 unit each, inputs first and outputs last
 * @param spec   the option's value as given
 */
record Layers(int[] widths, String spec) {

    /** "784,256,128,10" → widths; every failure names --layers and what to write instead. */
    static Layers parse(String spec) {
        String[] parts = spec.trim().split("\\s*[,x]\\s*");
        if (parts.length < 2) {
            throw new UsageException("--layers " + spec + ": give the input width, any hidden widths and the output width, e.g. --layers 784,256,10");
        }
        int[] n = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                n[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new UsageException("--layers " + spec + ": '" + parts[i] + "' is not a whole number");
            }
            if (n[i] < 1) {
                throw new UsageException("--layers " + spec + ": every layer needs at least 1 unit, got " + n[i]);
            }
        }
        return new Layers(n, spec);
    }

    int inputs() {
        return widths[0];
    }

    int outputs() {
        return widths[widths.length - 1];
    }

    /** Whether any layer lies between the inputs and the outputs (normalisation and dropout act on those only). */
    boolean hasHidden() {
        return widths.length > 2;
    }

    /** The widths comma-separated, as a checkpoint records them: "784,256,10". */
    String joined() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < widths.length; i++) {
            sb.append(i == 0 ? "" : ",").append(widths[i]);
        }
        return sb.toString();
    }

    /** An example of these layers with a hidden layer added, for messages that need one. */
    String withHidden() {
        return inputs() + ",64," + outputs();
    }

    @Override
    public String toString() {
        return spec;
    }

    /** picocli's conversion of {@code --layers}. */
    static final class Converter implements ITypeConverter<Layers> {
        @Override
        public Layers convert(String value) {
            return parse(value);
        }
    }
}
