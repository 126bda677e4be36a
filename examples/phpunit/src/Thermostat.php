<?php
// A thermostat whose target is static, process-wide state (the order-dependent pair's cause).
declare(strict_types=1);

namespace Example;

final class Thermostat
{
    private static float $target = 20.0;

    public static function target(): float
    {
        return self::$target;
    }

    public static function setTarget(float $celsius): void
    {
        self::$target = $celsius;
    }

    public static function toFahrenheit(float $celsius): float
    {
        return $celsius * 9 / 5 + 32;
    }

    // Deliberately wrong: it forgets the offset (the always-failing test catches it).
    public static function toKelvin(float $celsius): float
    {
        return $celsius + 273;
    }

    // A fake sensor that does not answer on some attempts, chosen by the seed flaky sets.
    // PHPUNIT_SEED is set by flaky on every attempt; without it (a plain `phpunit`) it answers.
    public static function readSensor(): ?float
    {
        if (((int) (getenv('PHPUNIT_SEED') ?: '1')) % 4 === 0) {
            return null;
        }
        return 21.5;
    }
}
