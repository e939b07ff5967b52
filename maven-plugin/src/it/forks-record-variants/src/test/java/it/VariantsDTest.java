package it;

class VariantsDTest extends AbstractVariants {
}
