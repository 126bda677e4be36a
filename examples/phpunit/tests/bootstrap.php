<?php
// Composer's autoloader when `composer install` ran; otherwise (PHPUnit from Debian) load src/ directly.
declare(strict_types=1);

if (is_file(__DIR__ . '/../vendor/autoload.php')) {
    require __DIR__ . '/../vendor/autoload.php';
} else {
    foreach (glob(__DIR__ . '/../src/*.php') as $file) {
        require_once $file;
    }
}
