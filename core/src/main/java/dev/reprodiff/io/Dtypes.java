package dev.reprodiff.io;

import ai.djl.ndarray.types.DataType;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** The safetensors dtype names we read and write, and the DJL data types they stand for. */
final class Dtypes {

    // DataType.fromSafetensors/asSafetensors exist, but they know no I16 and fail with a bare IllegalArgumentException.
    private static final Map<String, DataType> BY_NAME = new LinkedHashMap<>();

    static {
        BY_NAME.put("F64", DataType.FLOAT64);
        BY_NAME.put("F32", DataType.FLOAT32);
        BY_NAME.put("F16", DataType.FLOAT16);
        BY_NAME.put("BF16", DataType.BFLOAT16);
        BY_NAME.put("I64", DataType.INT64);
        BY_NAME.put("I32", DataType.INT32);
        BY_NAME.put("I16", DataType.INT16);
        BY_NAME.put("I8", DataType.INT8);
        BY_NAME.put("U8", DataType.UINT8);
        BY_NAME.put("BOOL", DataType.BOOLEAN);
    }

    // libdjl_torch 0.36 / libtorch 2.7.1 maps no BF16 or I16: creating or casting to one aborts the whole JVM.
    private static final Set<DataType> NOT_ON_ENGINE = Set.of(DataType.BFLOAT16, DataType.INT16);

    private Dtypes() {
    }

    /** The DJL type for a safetensors dtype name, or {@code null} when we do not support it. */
    static DataType fromName(String name) {
        return BY_NAME.get(name);
    }

    /** The safetensors name of a DJL type, or {@code null} when safetensors (as we support it) has none. */
    static String name(DataType type) {
        for (Map.Entry<String, DataType> entry : BY_NAME.entrySet()) {
            if (entry.getValue() == type) {
                return entry.getKey();
            }
        }
        return null;
    }

    /** Whether DJL's PyTorch engine can hold tensors of this type. */
    static boolean onEngine(DataType type) {
        return !NOT_ON_ENGINE.contains(type);
    }

    /** "F64, F32, F16, ..." for error messages. */
    static String supported() {
        return String.join(", ", BY_NAME.keySet());
    }

    /** Like {@link #supported()}, but only the types that {@link SafeTensors#load} can put on the engine. */
    static String supportedOnEngine() {
        StringBuilder names = new StringBuilder();
        BY_NAME.forEach((name, type) -> {
            if (onEngine(type)) {
                names.append(names.length() == 0 ? "" : ", ").append(name);
            }
        });
        return names.toString();
    }
}
